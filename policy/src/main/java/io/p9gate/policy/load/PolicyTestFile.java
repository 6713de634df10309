package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A policy test file (R-POL-8): the policy under test and its cases: decisions, the uid/gid map, quota limits.
 * <pre>
 * policy: infotainment.yaml            # relative to this file
 * cases:
 *   - {vm: infotainment, share: media, op: OPEN_WRITE, path: /maps/eu.bin, expect: EROFS}
 *   - {vm: infotainment, share: logs, op: RENAME, path: /a, dest: /b, uid: 1000, expect: allow}
 *   - {vm: infotainment, share: maps, op: RENAME, path: /cache/d, dest: /d, directory: true, expect: EACCES}
 *   - {vm: infotainment, op: OPEN_READ, path: /srv/p9gate/infotainment/media/a.flac, expect: allow}   # host path
 * ids:
 *   - {vm: infotainment, guest-uid: 0, expect: 200000}
 * quotas:
 *   - {vm: infotainment, share: maps, path: /cache/x, bytes: 2GiB, inodes: 100000}
 * </pre>
 */
public record PolicyTestFile(
        Path source, Path policy, List<PolicyTestCase> cases, List<IdTestCase> ids, List<QuotaTestCase> quotas) {

    private static final Set<String> EXPECTATIONS = Set.of("allow", "deny", "ENOENT", "EROFS", "EACCES");
    private static final String UNLIMITED = "unlimited";

    public PolicyTestFile {
        cases = List.copyOf(cases);
        ids = List.copyOf(ids);
        quotas = List.copyOf(quotas);
    }

    /** Every case of the file, decisions, ids and quotas together. */
    public int size() {
        return cases.size() + ids.size() + quotas.size();
    }

    public static PolicyTestFile read(Path file) throws PolicyLoadException {
        Path abs = file.toAbsolutePath().normalize();
        Fields f = Fields.of(YamlTreeReader.read(abs), "the test file", Set.of("policy", "cases", "ids", "quotas"));
        Path policy = abs.resolveSibling(f.string("policy")).normalize();
        List<PolicyTestCase> cases = new ArrayList<>();
        List<YamlNode> items = f.list("cases");
        for (int i = 0; i < items.size(); i++) cases.add(testCase(items.get(i), i));
        List<IdTestCase> ids = new ArrayList<>();
        items = f.list("ids");
        for (int i = 0; i < items.size(); i++) ids.add(idCase(items.get(i), i));
        List<QuotaTestCase> quotas = new ArrayList<>();
        items = f.list("quotas");
        for (int i = 0; i < items.size(); i++) quotas.add(quotaCase(items.get(i), i));
        PolicyTestFile tests = new PolicyTestFile(abs, policy, cases, ids, quotas);
        if (tests.size() == 0) throw new PolicyLoadException(f.pos(), "the test file has no cases, ids or quotas");
        return tests;
    }

    private static PolicyTestCase testCase(YamlNode n, int index) throws PolicyLoadException {
        Fields f = Fields.of(
                n,
                "test case",
                Set.of("name", "vm", "share", "op", "path", "dest", "directory", "uid", "gid", "expect", "by"));
        String opText = f.string("op");
        OpKind op = OpKind.parse(opText).orElse(null);
        if (op == null) throw new PolicyLoadException(pos(f, "op"), "unknown operation '" + opText + "'");
        if (op.hasDestination() != f.has("dest")) {
            throw new PolicyLoadException(f.pos(), op + (op.hasDestination() ? " needs" : " takes no") + " dest");
        }
        boolean directory = directory(f, op);
        String expect = f.string("expect");
        if (!EXPECTATIONS.contains(expect)) {
            throw new PolicyLoadException(
                    pos(f, "expect"), "expect must be allow, deny, ENOENT, EROFS or EACCES, found '" + expect + "'");
        }
        return new PolicyTestCase(
                f.stringOr("name", "case " + (index + 1)),
                f.string("vm"),
                f.has("share") ? f.string("share") : null,
                op,
                f.string("path"),
                f.has("dest") ? f.string("dest") : null,
                directory,
                f.number("uid", 0),
                f.number("gid", op.defaultGid()),
                expect,
                f.has("by") ? f.string("by") : null,
                f.pos());
    }

    /** {@code directory: true|false}: a RENAME's source is a directory, asked as the gateway asks a directory's move. */
    private static boolean directory(Fields f, OpKind op) throws PolicyLoadException {
        if (!f.has("directory")) return false;
        String text = Fields.text(f.node("directory"), "directory").trim();
        if (!text.equals("true") && !text.equals("false")) {
            throw new PolicyLoadException(pos(f, "directory"), "directory must be true or false, found '" + text + "'");
        }
        if (text.equals("true") && op != OpKind.RENAME) {
            throw new PolicyLoadException(pos(f, "directory"), "directory: true applies to RENAME only, not " + op);
        }
        return text.equals("true");
    }

    private static IdTestCase idCase(YamlNode n, int index) throws PolicyLoadException {
        Set<String> keys = new TreeSet<>(Set.of("name", "vm", "expect"));
        for (IdTestCase.Kind k : IdTestCase.Kind.values()) keys.add(k.key);
        Fields f = Fields.of(n, "id case", keys);
        IdTestCase.Kind kind = null;
        for (IdTestCase.Kind k : IdTestCase.Kind.values()) {
            if (f.has(k.key)) {
                if (kind != null)
                    throw new PolicyLoadException(
                            f.pos(), "an id case gives one of guest-uid, guest-gid, host-uid, host-gid");
                kind = k;
            }
        }
        if (kind == null)
            throw new PolicyLoadException(f.pos(), "an id case gives one of guest-uid, guest-gid, host-uid, host-gid");
        return new IdTestCase(
                f.stringOr("name", "id " + (index + 1)),
                f.string("vm"),
                kind,
                f.number(kind.key, 0),
                f.number("expect", 0),
                f.pos());
    }

    private static QuotaTestCase quotaCase(YamlNode n, int index) throws PolicyLoadException {
        Fields f = Fields.of(n, "quota case", Set.of("name", "vm", "share", "path", "bytes", "inodes"));
        if (!f.has("bytes") && !f.has("inodes"))
            throw new PolicyLoadException(f.pos(), "a quota case asserts bytes, inodes or both");
        Long bytes = null;
        if (f.has("bytes")) {
            bytes = UNLIMITED.equals(Fields.text(f.node("bytes"), "bytes").trim())
                    ? QuotaSpec.UNLIMITED
                    : PolicyParser.size(f.node("bytes"));
        }
        Long inodes = null;
        if (f.has("inodes")) {
            inodes = UNLIMITED.equals(Fields.text(f.node("inodes"), "inodes").trim())
                    ? QuotaSpec.UNLIMITED
                    : f.number("inodes", 0);
        }
        return new QuotaTestCase(
                f.stringOr("name", "quota " + (index + 1)),
                f.string("vm"),
                f.has("share") ? f.string("share") : null,
                f.string("path"),
                bytes,
                inodes,
                f.pos());
    }

    private static SourcePos pos(Fields f, String key) throws PolicyLoadException {
        return f.node(key).pos();
    }
}
