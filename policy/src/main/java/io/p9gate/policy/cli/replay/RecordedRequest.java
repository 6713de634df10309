package io.p9gate.policy.cli.replay;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.terms.AskedKinds;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A stored record read as the policy questions its request asked, or the reason it cannot be re-decided. The
 * questions are those the gateway's {@code PolicyAccess} asks for the same request: one per kind and per path
 * (a walk asks about every component it reaches), a rename or link one with both paths; the first refused one
 * decides.
 */
public sealed interface RecordedRequest {

    /** A request re-decidable from its record; no questions at all for Tauth and Tclunk (never refused). */
    record Questions(List<DecisionRequest> questions) implements RecordedRequest {
        public Questions {
            questions = List.copyOf(questions);
        }
    }

    /** A record that is no request the policy decided, or lacks what re-deciding it needs; {@code why} names it. */
    record NotReplayed(String why) implements RecordedRequest {}

    /** Why a record whose path or destination is abbreviated (docs/audit-format.md) is not re-decided. */
    String ABBREVIATED =
            "path taking more than 4,095 bytes of its record, recorded abbreviated: the policy cannot be asked about it";

    /**
     * Rule ids of refusals the gateway makes itself under a policy's digest (docs/audit-format.md, {@code rules}): a
     * connection a reload no longer takes for its VM, a share a reload moved, a policy that failed to decide.
     */
    Set<String> GATEWAYS_OWN = Set.of("identity-revoked", "share-moved", "policy-error");

    /** The gateway's rule for an rmdir of a directory that holds a hidden name (docs/audit-format.md). */
    String HIDDEN_ENTRIES = "hidden-entries";

    /**
     * Rule ids of the refusals a share's own settings make after the policy allowed the request (docs/audit-format.md,
     * "Refusals by a share's own settings"): devices, unmapped ids ({@code SharePolicy}), hidden entries.
     */
    private static boolean isShareSetting(String rule) {
        return rule.equals(HIDDEN_ENTRIES)
                || rule.startsWith("vm.")
                        && (rule.endsWith(".devices")
                                || rule.endsWith(".permissions.unmapped-id")
                                || rule.endsWith(".ids.unmapped-id"));
    }

    /** Reads one stored record. */
    static RecordedRequest of(AuditRecord record) {
        if (!record.isDecision()) {
            return new NotReplayed(record.type() + " record (not a request)");
        }
        if ("none".equals(record.policy())) {
            return new NotReplayed("decided without a policy (rules " + record.rules() + ")");
        }
        if (record.rules() != null && record.rules().contains("confinement")) {
            return new NotReplayed("refused by confinement before the policy was asked (the file left the share)");
        }
        Optional<String> own = record.rules() == null
                ? Optional.empty()
                : record.rules().stream().filter(GATEWAYS_OWN::contains).findFirst();
        if (own.isPresent()) {
            // Stamped with the digest of the policy in force, which did not refuse it: re-asked, it allows again.
            return new NotReplayed(
                    "refused by the gateway's own rule " + own.get() + " (the policy was not what refused it)");
        }
        Optional<String> setting = record.rules() == null
                ? Optional.empty()
                : record.rules().stream()
                        .filter(RecordedRequest::isShareSetting)
                        .findFirst();
        if (setting.isPresent()) {
            // Refused by a share's setting (devices:, permissions: enforce, ids:, the hidden names an rmdir's directory
            // holds, which the record does not carry) after the policy allowed the request: re-asked, the policy
            // allows it again and replay would call it newly allowed.
            return new NotReplayed("refused by the share's own rule " + setting.get() + " after the policy allowed it");
        }
        Optional<RecordedDetail> parsed = RecordedDetail.parse(record.detail());
        if (parsed.isEmpty()) {
            return new NotReplayed("detail without action= and share= (an older gateway's record)");
        }
        RecordedDetail detail = parsed.get();
        if (detail.phase().equals(RecordedDetail.OUTCOME)) {
            return new NotReplayed("outcome of a change (re-decided at its intent record)");
        }
        if (detail.varied()) {
            return new NotReplayed("summary of refusals at varied paths (only their common directory is recorded)");
        }
        if (record.vm() == null
                || record.op() == null
                || record.decision() == null
                || record.guestUid() == null
                || record.guestGid() == null
                || record.path() == null) {
            return new NotReplayed("a field is missing (vm, op, decision, guest_uid, guest_gid or path)");
        }
        if (AbbreviatedPath.of(record.path()).isPresent()
                || detail.destination().flatMap(AbbreviatedPath::of).isPresent()) {
            // One reason for all: the path is not in the record (only its first names, length and digest).
            return new NotReplayed(ABBREVIATED);
        }
        return switch (AskedKinds.of(detail.action(), detail.facts())) {
            case AskedKinds.Asked.Unknown u -> new NotReplayed("unknown action '" + detail.action() + "'");
            case AskedKinds.Asked.Incomplete i -> new NotReplayed(detail.action() + " without " + i.missing());
            case AskedKinds.Asked.Kinds asked -> {
                try {
                    yield questions(record, detail, asked.kinds());
                } catch (IllegalArgumentException e) {
                    yield new NotReplayed("path the policy cannot name (" + e.getMessage() + ")");
                }
            }
        };
    }

    private static RecordedRequest questions(AuditRecord record, RecordedDetail detail, List<OpKind> kinds) {
        List<String> paths;
        if (detail.action().equals("walk")) {
            Optional<List<String>> walked = WalkedPaths.of(record.path(), detail.rest());
            if (walked.isEmpty()) {
                return new NotReplayed(
                        "walk whose start is not recorded ('..' among its names, or names that do not end at its path)");
            }
            paths = walked.get();
        } else {
            paths = List.of(record.path());
        }
        long uid = record.guestUid() & 0xFFFF_FFFFL;
        long gid = record.guestGid() & 0xFFFF_FFFFL;
        List<DecisionRequest> questions = new ArrayList<>();
        for (OpKind kind : kinds) {
            if (kind.hasDestination()) {
                Optional<String> to = detail.destination();
                if (to.isEmpty()) {
                    return new NotReplayed(detail.action() + " without its destination (to=)");
                }
                questions.add(new DecisionRequest(
                        record.vm(),
                        detail.share(),
                        kind,
                        SharePath.of(record.path()),
                        SharePath.of(to.get()),
                        uid,
                        gid,
                        kind == OpKind.RENAME && detail.movesDirectory()));
                continue;
            }
            for (String path : paths) {
                questions.add(
                        new DecisionRequest(record.vm(), detail.share(), kind, SharePath.of(path), null, uid, gid));
            }
        }
        return new Questions(questions);
    }

    /** The paths a walk passed through, from the path it ended at and the names it walked. */
    final class WalkedPaths {
        private WalkedPaths() {}

        /**
         * Every component's path, in walk order, found by climbing back from {@code end} one name at a time; empty
         * when that cannot be done: a ".." (where the walk came from is not recorded) or a name that is not the
         * last component of the path it should have reached (a doctored record, or text that only looks like
         * walked names).
         */
        static Optional<List<String>> of(String end, String walkedNames) {
            if (walkedNames.isEmpty()) {
                return Optional.of(List.of(end)); // a clone: decided on where the fid already is
            }
            List<String> names = Arrays.stream(walkedNames.split("/", -1))
                    .map(DetailWords::text)
                    .toList();
            String[] reached = new String[names.size()];
            String current = end;
            for (int i = names.size() - 1; i >= 0; i--) {
                String name = names.get(i);
                reached[i] = current;
                if (name.equals(".")) {
                    continue;
                }
                int slash = current.lastIndexOf('/');
                if (name.equals("..")
                        || slash < 0
                        || !current.substring(slash + 1).equals(name)) {
                    return Optional.empty();
                }
                current = slash == 0 ? "/" : current.substring(0, slash);
            }
            return Optional.of(List.of(reached));
        }
    }
}
