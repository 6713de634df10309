package io.p9gate.policy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.cli.TerminalJson;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.util.Arrays;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code policy explain FILE --vm V --op OP --path P}: the decision, the rules that made it, the mapped ids. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Show how a policy decides one request, which rules decided it, and the host ids it acts as.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy explain policies/infotainment.yaml --vm infotainment --share maps --op OPEN_WRITE --path /base/eu/tiles.db",
            "  p9gate policy explain policies/infotainment.yaml --vm infotainment --share maps --op RENAME --path /cache/a --dest /base/a --format json"
        })
final class ExplainCommand extends Subcommand {
    enum Format {
        text,
        json
    }

    @Mixin
    PolicyFileParameter policyFile;

    @Option(names = "--vm", required = true, description = "VM id")
    String vm;

    @Option(names = "--share", description = "share (attach name); optional when the VM has one share")
    String share;

    @Option(
            names = "--op",
            required = true,
            paramLabel = "OP",
            description =
                    "operation: WALK, OPEN_READ, OPEN_WRITE, CREATE, MKDIR, SYMLINK, LINK, MKNOD, SETATTR, REMOVE, RENAME, XATTR_READ, XATTR_WRITE, READDIR, GETATTR, STATFS, LOCK, READLINK")
    String opName;

    @Option(names = "--path", required = true, description = "share-relative path, e.g. /maps/eu.bin")
    String path;

    @Option(names = "--dest", description = "destination path of RENAME or LINK")
    String dest;

    @Option(
            names = "--directory",
            description = "with --op RENAME: the source is a directory, which takes everything below it along "
                    + "(the gateway asks so when it moves one)")
    boolean directory;

    @Option(names = "--uid", defaultValue = "0", description = "guest uid (default: ${DEFAULT-VALUE})")
    long uid;

    @Option(
            names = "--gid",
            description = "guest gid (default: 0 for CREATE, MKDIR, SYMLINK and MKNOD, which name one; else 65534, "
                    + "as the gateway asks every request naming none)")
    Long gid;

    @Option(names = "--format", paramLabel = "text|json", description = "output format (default: ${DEFAULT-VALUE})")
    Format format = Format.text;

    @Override
    int run(CommandLine cmd) {
        OpKind op = OpKind.parse(opName).orElse(null);
        if (op == null)
            return usageError("unknown operation '" + opName + "' (one of " + Arrays.toString(OpKind.values()) + ")");
        if (refusedAsNoFile(policyFile.file)) return USAGE;
        PolicyEngine engine = Loading.engine(this, policyFile.file);
        if (engine == null) return Loading.INVALID;
        String shareName = share != null ? share : onlyShare(engine);
        if (shareName == null) return USAGE;
        long askedGid = gid != null ? gid : op.defaultGid();
        DecisionRequest request;
        try {
            request = new DecisionRequest(
                    vm,
                    shareName,
                    op,
                    SharePath.of(path),
                    dest == null ? null : SharePath.of(dest),
                    uid,
                    askedGid,
                    directory);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        PolicyDecision reference = engine.decideWithCedar(request);
        PolicyDecision served = engine.decide(request);
        if (!served.equals(reference)) {
            error("the fast path decides " + served + " but Cedar decides " + reference + "; please report this");
            return Loading.INVALID;
        }
        RuleLocations where = new RuleLocations(engine.policy());
        IdMap ids = engine.idMap(vm);
        Explanation e = new Explanation(request, reference, ids.uidToHost(uid), ids.gidToHost(askedGid), where);
        // The path and what the policy file names are quoted as given: text() escapes each for the terminal.
        cmd.getOut().print(format == Format.json ? e.json() : e.text());
        return 0;
    }

    private String onlyShare(PolicyEngine engine) {
        VmPolicy v = engine.policy().vms().get(vm);
        if (v != null && v.shares().size() == 1)
            return v.shares().keySet().iterator().next();
        if (v == null) {
            // A mistyped --vm, most likely: which share it names is not the question.
            usageError("VM '" + vm + "' is not in the policy (VMs: "
                    + String.join(", ", engine.policy().vms().keySet())
                    + "); with --share, explain shows how such a VM is refused");
            return null;
        }
        usageError("--share is needed: VM '" + vm + "' has shares " + v.shares().keySet());
        return null;
    }

    /** One decision as explain shows it; the host ids are what a file created by this request would belong to. */
    private record Explanation(
            DecisionRequest request, PolicyDecision decision, long hostUid, long hostGid, RuleLocations where) {
        /**
         * Each quoted field escaped on its own: escaped line by line, a newline in {@code --path} split the
         * "request:" line in two, its end read as a line of its own.
         */
        String text() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(
                    "request:  vm %s, share %s, %s %s%s (uid %d, gid %d)%n",
                    PrintableText.escape(request.vm()),
                    PrintableText.escape(request.share()),
                    request.op(),
                    PrintableText.escape(request.path().text()),
                    (request.destination() == null
                                    ? ""
                                    : " -> "
                                            + PrintableText.escape(
                                                    request.destination().text()))
                            + (request.directory() ? " (a directory)" : ""),
                    request.uid(),
                    request.gid()));
            b.append(String.format(
                    "ids:      guest uid %d -> host uid %d, guest gid %d -> host gid %d%n",
                    request.uid(), hostUid, request.gid(), hostGid));
            b.append(String.format("decision: %s%n", decision.allowed() ? "allow" : "deny " + decision.errno()));
            if (decision.ruleIds().isEmpty()) {
                b.append(decision.allowed() ? "rules:    (none)\n" : "rules:    none matched: default deny\n");
            }
            for (String id : decision.ruleIds()) {
                b.append(String.format(
                        "rule:     %s  (%s)%n",
                        PrintableText.escape(id),
                        where.of(id)
                                .map(p -> PrintableText.escape(p.toString()))
                                .orElse("hand-written Cedar")));
            }
            return b.toString();
        }

        String json() {
            // Made here, not in a static field: picocli creates every policy subcommand to run any one of
            // them, and an ObjectMapper set up on each `policy check` cost start-up time (issue 13).
            ObjectMapper json = TerminalJson.mapper();
            ObjectNode root = json.createObjectNode();
            ObjectNode req = root.putObject("request")
                    .put("vm", request.vm())
                    .put("share", request.share())
                    .put("op", request.op().name())
                    .put("path", request.path().text());
            req.put(
                    "destination",
                    request.destination() == null ? null : request.destination().text());
            req.put("directory", request.directory());
            req.put("uid", request.uid()).put("gid", request.gid());
            root.putObject("hostIds").put("uid", hostUid).put("gid", hostGid);
            root.put("decision", decision.allowed() ? "allow" : "deny");
            root.put("errno", decision.errno());
            ArrayNode rules = root.putArray("rules");
            for (String id : decision.ruleIds()) {
                ObjectNode rule = rules.addObject().put("id", id);
                Optional<SourcePos> pos = where.of(id);
                if (pos.isPresent()) {
                    rule.put("file", pos.get().file().toString())
                            .put("line", pos.get().line())
                            .put("column", pos.get().column());
                } else {
                    rule.put("source", "hand-written Cedar");
                }
            }
            try {
                return json.writeValueAsString(root) + "\n";
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a tree of plain values always serialises", e);
            }
        }
    }
}
