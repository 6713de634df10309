package io.p9gate.policy.cli;

import io.p9gate.policy.Decision;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.OpKind;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.SharePath;
import io.p9gate.policy.model.VmPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


/** {@code policy explain FILE --vm V --op OP --path P}: the decision and the rules that made it. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show how a policy decides one request, and which rules decided it.")
final class ExplainCommand extends Subcommand {

    @Option(names = "--vm", description = "VM id (required)") String vm;

    @Option(names = "--share", description = "share (attach name); optional when the VM has one share") String share;

    @Option(names = "--op", description = "operation (required): WALK, OPEN_READ, OPEN_WRITE, CREATE, MKDIR, SYMLINK, LINK, MKNOD, SETATTR, REMOVE, RENAME, XATTR_READ, XATTR_WRITE, READDIR, GETATTR, STATFS, LOCK, READLINK") String opName;

    @Option(names = "--path", description = "share-relative path, e.g. /maps/eu.bin") String path;

    @Option(names = "--dest", description = "destination path of RENAME or LINK") String dest;

    @Option(names = "--uid", defaultValue = "0", description = "guest uid") long uid;

    @Option(names = "--gid", defaultValue = "0", description = "guest gid") long gid;

    @Override int run(CommandLine cmd) {
        if (vm == null || opName == null || path == null) return usageError("--vm, --op and --path are required");
        OpKind op = OpKind.parse(opName).orElse(null);
        if (op == null) return usageError("unknown operation '" + opName + "'");
        PolicyEngine engine = Loading.engine(cmd, file);
        if (engine == null) return Loading.INVALID;
        String shareName = share != null ? share : onlyShare(engine);
        if (shareName == null) return USAGE;
        DecisionRequest request;
        try {
            request = new DecisionRequest(vm, shareName, op, SharePath.of(path), dest == null ? null : SharePath.of(dest), uid, gid);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        Decision reference = engine.decideWithCedar(request);
        Decision served = engine.decide(request);
        var out = cmd.getOut();
        out.printf("request:  vm %s, share %s, %s %s%s (uid %d, gid %d)%n", vm, shareName, op, path,
                dest == null ? "" : " -> " + dest, uid, gid);
        out.printf("decision: %s%n", reference.allowed() ? "allow" : "deny " + reference.errno());
        if (reference.ruleIds().isEmpty()) {
            out.println(reference.allowed() ? "rules:    (none)" : "rules:    none matched: default deny");
        }
        RuleLocations where = new RuleLocations(engine.policy());
        for (String id : reference.ruleIds()) {
            out.printf("rule:     %s%s%n", id, where.of(id).map(p -> "  (" + p + ")").orElse("  (hand-written Cedar)"));
        }
        if (!served.equals(reference)) {
            cmd.getErr().println("error: the fast path decides " + served + " but Cedar decides " + reference + "; please report this");
            return Loading.INVALID;
        }
        return 0;
    }

    private String onlyShare(PolicyEngine engine) {
        VmPolicy v = engine.policy().vms().get(vm);
        if (v != null && v.shares().size() == 1) return v.shares().keySet().iterator().next();
        String known = v == null ? "VM '" + vm + "' is not in the policy" : "VM '" + vm + "' has shares " + v.shares().keySet();
        usageError("--share is needed: " + known);
        return null;
    }
}
