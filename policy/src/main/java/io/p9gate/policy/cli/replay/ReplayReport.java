package io.p9gate.policy.cli.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.cli.TerminalJson;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.ErrnoNames;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.cli.replay.Replay.Change;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A finished {@link Replay} as the operator reads it: text (names from the log escaped, one request per example
 * line) or JSON (docs/policy.md, "Replaying a log").
 *
 * @param log        the log directory, as given
 * @param policyFile the new policy, as given
 * @param digest     the new policy's digest
 * @param verified   whether the log was verified before (false with --no-verify)
 */
public record ReplayReport(String log, String policyFile, String digest, boolean verified, Replay replay) {
    /** The log's names are guests': escaped for the terminal (non-ASCII, controls, DEL). */
    private static final ObjectMapper JSON = TerminalJson.mapper();

    private static final Map<Change, String> HEADINGS = Map.of(
            Change.NEWLY_DENIED, "newly denied",
            Change.NEWLY_ALLOWED, "newly allowed",
            Change.OTHER_ERRNO, "denied, other errno",
            Change.UNCHANGED, "unchanged");

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                "replayed %s under %s (%s)%s: %d records%n",
                PrintableText.escape(log),
                PrintableText.escape(policyFile),
                digest,
                verified ? "" : " (not verified)",
                replay.records()));
        for (Change c : Change.values()) {
            ChangeTally t = replay.change(c);
            b.append(String.format("%-20s %d requests%n", HEADINGS.get(c) + ":", t.requests()));
            if (c == Change.UNCHANGED || t.requests() == 0) {
                continue;
            }
            b.append("  by VM:        ").append(counts(t.byVm())).append('\n');
            b.append("  by operation: ").append(counts(t.byOp())).append('\n');
            b.append("  by rule:      ").append(counts(t.byRule())).append('\n');
            for (ChangeTally.Example e : t.examples()) {
                b.append("  ").append(exampleLine(e)).append('\n');
            }
        }
        Tally skipped = replay.notReplayed();
        b.append(String.format("%-20s %d requests%n", "not re-decided:", skipped.total()));
        for (Map.Entry<String, Long> e : skipped.largestFirst()) {
            b.append(String.format("  %6d  %s%n", e.getValue(), PrintableText.escape(e.getKey())));
        }
        return b.toString();
    }

    private static String counts(Tally tally) {
        return tally.largestFirst().stream()
                .map(e -> PrintableText.escape(e.getKey()) + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** {@code TIME VM OP PATH[ -> DEST]: was allow, now deny EROFS (rule)}. */
    private static String exampleLine(ChangeTally.Example e) {
        AuditRecord r = e.record();
        return PrintableText.escape(String.format(
                "%s %s %s %s: was %s, now %s%s",
                r.time(),
                r.vm(),
                r.op(),
                r.path(),
                was(r),
                answer(e.now()),
                r.requests() > 1 ? " (" + r.requests() + " requests)" : ""));
    }

    private static String was(AuditRecord r) {
        String rules = r.rules() == null || r.rules().isEmpty() ? "" : " by " + String.join(",", r.rules());
        return "allow".equals(r.decision()) ? "allow" + rules : "deny " + recordedErrno(r) + rules;
    }

    private static String answer(PolicyDecision d) {
        String rules = d.ruleIds().isEmpty() ? "" : " by " + String.join(",", d.ruleIds());
        return (d.allowed() ? "allow" : "deny " + d.errno()) + rules;
    }

    private static String recordedErrno(AuditRecord r) {
        return ErrnoNames.name(r.errno() == null ? 0 : r.errno());
    }

    public String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("log", log).put("verified", verified).put("records", replay.records());
        root.putObject("policy").put("file", policyFile).put("digest", digest);
        for (Change c : Change.values()) {
            ChangeTally t = replay.change(c);
            ObjectNode n = root.putObject(key(c));
            n.put("requests", t.requests());
            if (c == Change.UNCHANGED) {
                continue;
            }
            counts(n.putObject("byVm"), t.byVm());
            counts(n.putObject("byOp"), t.byOp());
            counts(n.putObject("byRule"), t.byRule());
            var examples = n.putArray("examples");
            for (ChangeTally.Example e : t.examples()) {
                AuditRecord r = e.record();
                ObjectNode x = examples.addObject()
                        .put("seq", r.seq())
                        .put("time", r.time())
                        .put("vm", r.vm())
                        .put("op", r.op())
                        .put("path", r.path())
                        .put("requests", r.requests());
                x.putObject("was")
                        .put("decision", r.decision())
                        .put("errno", recordedErrno(r))
                        .set("rules", JSON.valueToTree(r.rules() == null ? List.of() : r.rules()));
                x.putObject("now")
                        .put("decision", e.now().allowed() ? "allow" : "deny")
                        .put("errno", e.now().allowed() ? "0" : e.now().errno())
                        .set("rules", JSON.valueToTree(e.now().ruleIds()));
            }
        }
        ObjectNode skipped = root.putObject("notReplayed");
        skipped.put("requests", replay.notReplayed().total());
        counts(skipped.putObject("byReason"), replay.notReplayed());
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    /** newlyDenied, newlyAllowed, otherErrno, unchanged. */
    private static String key(Change c) {
        StringBuilder key = new StringBuilder();
        for (String word : c.name().toLowerCase(Locale.ROOT).split("_")) {
            key.append(key.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return key.toString();
    }

    private static void counts(ObjectNode into, Tally tally) {
        tally.largestFirst().forEach(e -> into.put(e.getKey(), e.getValue()));
    }
}
