package io.p9gate.audit.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.read.PrintableText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the verifier found. {@code anchored} records are covered by a verified checkpoint; the remaining
 * {@code records - anchored} form the unanchored tail a crash leaves behind (reported, not a finding).
 *
 * @param tornBytes bytes of an unterminated last line (a write cut short)
 * @param unsignedCheckpoints checkpoint records in the unanchored tail whose notes were not written (yet)
 * @param decisions decision records
 * @param requests the requests those decisions stand for (more than {@code decisions} when repeated refusals
 *                 were summarised)
 * @param pinnedSize size of the pinned checkpoint, or -1 without a pin
 * @param omitted per class, findings counted but not listed (a doctored log may hold millions: FindingList)
 * @param newestNote the signed note of the newest verified checkpoint (what a reviewer pins next time), or null
 * @param signedBy the trusted keys (as {@code keys generate} prints them) whose signatures anchored checkpoints: a
 *                 key set shared by a fleet accepts another gateway's log, which only these tell apart
 */
public record VerificationReport(
        long records,
        int segments,
        int checkpoints,
        int verifiedCheckpoints,
        long anchored,
        long tornBytes,
        int unsignedCheckpoints,
        long decisions,
        long requests,
        long pinnedSize,
        List<Finding> findings,
        Map<FindingClass, Long> omitted,
        String newestNote,
        List<String> signedBy) {
    /** Non-ASCII escaped too: descriptions quote sidecar text (key names), which a doctored log fills freely. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());

    public VerificationReport {
        findings = findings.stream()
                .sorted(Comparator.comparing(Finding::findingClass))
                .toList();
        omitted = Map.copyOf(omitted);
        signedBy = List.copyOf(signedBy);
    }

    public boolean ok() {
        return findings.isEmpty();
    }

    public long unanchored() {
        return records - anchored;
    }

    /** 0 when clean, else the code of the most far-reaching class found (see {@link FindingClass}). */
    public int exitCode() {
        return findings.isEmpty()
                ? FindingClass.OK
                : findings.getFirst().findingClass().exitCode();
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode()
                .put("ok", ok())
                .put("exitCode", exitCode())
                .put("records", records)
                .put("segments", segments)
                .put("checkpoints", checkpoints)
                .put("verifiedCheckpoints", verifiedCheckpoints)
                .put("anchored", anchored)
                .put("decisions", decisions)
                .put("requests", requests);
        ObjectNode tail = root.putObject("unanchoredTail");
        tail.put("fromSeq", anchored)
                .put("count", unanchored())
                .put("tornBytes", tornBytes)
                .put("unsignedCheckpoints", unsignedCheckpoints);
        if (pinnedSize >= 0) {
            root.put("pinnedSize", pinnedSize);
        }
        ArrayNode keys = root.putArray("signedBy");
        signedBy.forEach(keys::add);
        ArrayNode list = root.putArray("findings");
        for (Finding f : findings) {
            list.addObject()
                    .put("class", f.findingClass().name())
                    .put("kind", f.getClass().getSimpleName())
                    .put("description", f.describe())
                    .set("detail", JSON.valueToTree(f));
        }
        if (!omitted.isEmpty()) {
            ObjectNode more = root.putObject("omitted");
            new TreeMap<>(omitted).forEach((c, n) -> more.put(c.name(), n));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    /**
     * Every finding is a checkpoint signed by a key the reviewer did not give: the reviewer holds the wrong key, which
     * is one thing to say, not one finding per checkpoint over a TAMPERED line.
     */
    private boolean signedOnlyByOtherKeys() {
        return verifiedCheckpoints == 0
                && !findings.isEmpty()
                && findings.stream().allMatch(f -> f instanceof Finding.UnknownKey);
    }

    private List<String> otherSigners() {
        return findings.stream()
                .flatMap(f -> ((Finding.UnknownKey) f).signers().stream())
                .distinct()
                .sorted()
                .toList();
    }

    /**
     * One line per finding, but the UNKNOWN_KEY findings of one set of signers are one line where the first stood:
     * after a rotation, a reviewer given only the new key would otherwise read a line per old checkpoint.
     */
    private List<String> findingLines() {
        Map<List<String>, List<Finding.UnknownKey>> bySigners = findings.stream()
                .filter(Finding.UnknownKey.class::isInstance)
                .map(Finding.UnknownKey.class::cast)
                .collect(Collectors.groupingBy(Finding.UnknownKey::signers, LinkedHashMap::new, Collectors.toList()));
        List<String> lines = new ArrayList<>();
        for (Finding f : findings) {
            String text = f.describe();
            if (f instanceof Finding.UnknownKey u) {
                List<Finding.UnknownKey> same = bySigners.remove(u.signers());
                if (same == null) {
                    continue;
                }
                if (same.size() > 1) {
                    // No size: an unknown key's checkpoint claims whatever its signer wrote, nothing checked.
                    text = same.size() + " checkpoints (" + u.where() + " to "
                            + same.getLast().where()
                            + ") signed only by unknown key(s) " + String.join(", ", u.signers());
                }
            }
            lines.add(f.findingClass() + ": " + text);
        }
        return lines;
    }

    /** A short human summary, one finding per line (escaped: a finding may quote text from the log). */
    public String summary() {
        if (signedOnlyByOtherKeys()) {
            return "NOT VERIFIED: this log is not signed by that key: its " + checkpoints
                    + " checkpoint(s) are signed by "
                    + PrintableText.escape(String.join(", ", otherSigners())) + " (" + records + " records in "
                    + segments + " segment(s); check the --key you gave)\n";
        }
        StringBuilder b = new StringBuilder();
        b.append(ok() ? "OK" : "TAMPERED")
                .append(": ")
                .append(records)
                .append(" records in ")
                .append(segments)
                .append(" segment(s), ")
                .append(verifiedCheckpoints)
                .append('/')
                .append(checkpoints)
                .append(" checkpoints verified, ")
                .append(anchored)
                .append(" anchored");
        if (requests != decisions) {
            b.append(", ")
                    .append(decisions)
                    .append(" decisions for ")
                    .append(requests)
                    .append(" requests");
        }
        if (ok() && (unanchored() > 0 || tornBytes > 0)) {
            b.append(", unanchored tail of ").append(unanchored()).append(" record(s)");
            if (tornBytes > 0) {
                b.append(" and ").append(tornBytes).append(" torn byte(s)");
            }
            if (unsignedCheckpoints > 0) {
                b.append(", ").append(unsignedCheckpoints).append(" checkpoint(s) of it not signed yet");
            }
            b.append(" (crash or live log, not tampering)");
        }
        if (ok() && !signedBy.isEmpty()) {
            b.append(", signed by ").append(PrintableText.escape(String.join(", ", signedBy)));
        }
        b.append('\n');
        for (String line : findingLines()) {
            b.append("  ").append(PrintableText.escape(line)).append('\n');
        }
        new TreeMap<>(omitted)
                .forEach((c, n) -> b.append("  ")
                        .append(c)
                        .append(": ")
                        .append(n)
                        .append(" more, not listed (the first ")
                        .append(FindingList.LISTED_PER_CLASS)
                        .append(" of each class are)\n"));
        return b.toString();
    }
}
