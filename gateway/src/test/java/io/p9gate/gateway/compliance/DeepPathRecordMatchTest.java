package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A policy may name subtrees deeper than 4,095 bytes, and the suite then probes paths the log records abbreviated
 * (docs/audit-format.md): a probe is matched with a record that names its path, whole or abbreviated, and with
 * no other record whose abbreviation shares its first names.
 */
class DeepPathRecordMatchTest {
    private static final String TOP = "/" + "d/".repeat(2500) + "top";

    private static AuditRecord summary(long seq, String path, String tail, long count) {
        return WalkSummaries.of(
                seq, AbbreviatedPath.stored(path), "deny", "hidden", "action=walk share=data x " + tail, count);
    }

    /** A probe named by its check id ({@code name}): the paths are too long for a failure message. */
    private static Probe probe(String name, String path) {
        return new Probe(1, "vm", 7, "walk", path, AuditMode.REQUIRED, Errno.ENOENT, false, "deny", List.of(), name);
    }

    /** The names of the probes no summary counts. */
    private static List<String> unclaimed(AuditRecord summary, Probe... probes) {
        Map<Probe, Long> claimed = new IdentityHashMap<>();
        return new RefusalSummaries("vm", List.of(summary))
                .claim(List.of(probes), claimed, new IdentityHashMap<>()).stream()
                        .map(Probe::checkId)
                        .toList();
    }

    @Test
    void aRepeatSummaryCountsTheProbesOfItsOwnDeepPathOnly() {
        Probe same = probe("same", TOP + "/x");
        Probe other = probe("other", TOP + "/y");
        assertEquals(List.of("other"), unclaimed(summary(9, TOP + "/x", "repeat_of=8", 5), same, other));
    }

    @Test
    void aVariedSummaryAtADeepDirectoryCountsTheProbesBelowIt() {
        Probe below = probe("below", TOP + "/a/b");
        Probe beside = probe("beside", TOP + "x/a");
        Probe above = probe("above", TOP.substring(0, TOP.lastIndexOf('/')));
        assertEquals(List.of("beside", "above"), unclaimed(summary(9, TOP, "paths=varied", 5), below, beside, above));
    }

    /** Only the detail's last word marks a summary: a request's own record holding the words elsewhere counts none. */
    @Test
    void aRecordWithTheMarkInsideItsDetailIsNoSummary() {
        Probe own = probe("own", TOP + "/x");
        assertEquals(List.of("own"), unclaimed(summary(9, TOP + "/x", "name=repeat_of=8 flags=0", 5), own));
        assertEquals(List.of("own"), unclaimed(summary(9, TOP, "name=paths=varied flags=0", 5), own));
    }
}
