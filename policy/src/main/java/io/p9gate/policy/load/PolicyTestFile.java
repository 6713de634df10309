package io.p9gate.policy.load;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.OpKind;
import io.p9gate.policy.SharePath;
import io.p9gate.policy.model.SourcePos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A policy test file (R-POL-8): the policy under test and a list of cases.
 * <pre>
 * policy: infotainment.yaml            # relative to this file
 * cases:
 *   - {vm: infotainment, share: media, op: OPEN_WRITE, path: /maps/eu.bin, expect: EROFS}
 *   - {vm: infotainment, share: logs, op: RENAME, path: /a, dest: /b, uid: 1000, expect: allow}
 * </pre>
 */
public record PolicyTestFile(Path source, Path policy, List<PolicyTestCase> cases) {

    private static final Set<String> EXPECTATIONS = Set.of("allow", "deny", "ENOENT", "EROFS", "EACCES");

    public PolicyTestFile {
        cases = List.copyOf(cases);
    }

    public static PolicyTestFile read(Path file) throws PolicyLoadException {
        Path abs = file.toAbsolutePath().normalize();
        Fields f = Fields.of(YamlTreeReader.read(abs), "the test file", Set.of("policy", "cases"));
        Path policy = abs.resolveSibling(f.string("policy")).normalize();
        List<PolicyTestCase> cases = new ArrayList<>();
        List<YamlNode> items = f.list("cases");
        for (int i = 0; i < items.size(); i++) cases.add(testCase(items.get(i), i));
        if (cases.isEmpty()) throw new PolicyLoadException(f.pos(), "the test file has no cases");
        return new PolicyTestFile(abs, policy, cases);
    }

    private static PolicyTestCase testCase(YamlNode n, int index) throws PolicyLoadException {
        Fields f = Fields.of(n, "test case", Set.of("name", "vm", "share", "op", "path", "dest", "uid", "gid", "expect", "by"));
        String opText = f.string("op");
        OpKind op = OpKind.parse(opText).orElse(null);
        if (op == null) throw new PolicyLoadException(pos(f, "op"), "unknown operation '" + opText + "'");
        String expect = f.string("expect");
        if (!EXPECTATIONS.contains(expect)) {
            throw new PolicyLoadException(pos(f, "expect"), "expect must be allow, deny, ENOENT, EROFS or EACCES, found '" + expect + "'");
        }
        DecisionRequest request;
        try {
            SharePath dest = f.has("dest") ? SharePath.of(f.string("dest")) : null;
            request = new DecisionRequest(f.string("vm"), f.string("share"), op, SharePath.of(f.string("path")), dest,
                    f.number("uid", 0), f.number("gid", 0));
        } catch (IllegalArgumentException e) {
            throw new PolicyLoadException(f.pos(), e.getMessage());
        }
        String name = f.stringOr("name", "case " + (index + 1));
        return new PolicyTestCase(name, request, expect, f.has("by") ? f.string("by") : null, f.pos());
    }

    private static SourcePos pos(Fields f, String key) throws PolicyLoadException { return f.node(key).pos(); }
}
