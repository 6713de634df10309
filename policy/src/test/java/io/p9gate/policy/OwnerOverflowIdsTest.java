package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.Linter;
import io.p9gate.policy.load.PolicyParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code overflow: 65534} under the usual {@code {guest: 0, host: 100000, count: 65536}} loaded quietly, yet the VM
 * then showed every host file outside its map as owned by its own nobody, whom the guest kernel gave owner rights
 * (OverflowOwnerAttackTest). Lint reports an overflow id the VM's own map maps, so {@code --strict} and {@code p9gate
 * package} refuse it; the default, an overflow outside the ranges and no map at all are clean.
 */
class OwnerOverflowIdsTest {
    @TempDir
    Path dir;

    private List<String> lint(String ids) throws Exception {
        String policy = PolicyFiles.WITH_PROTECT + """
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    ids: %s
                    shares:
                      data: {path: /srv/p9gate/data, access: read-write}
                """.formatted(ids);
        return Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "overflow.yaml", policy))).stream()
                .map(LintFinding::toString)
                .filter(f -> !f.contains("does not exist"))
                .toList();
    }

    private static String ranges(String overflow) {
        return "{guest: 0, host: 100000, count: 65536}]" + overflow + "}";
    }

    @Test
    void anOverflowIdTheMapMapsIsReportedForEachKind() throws Exception {
        List<String> f = lint("{uid: {ranges: [" + ranges(", overflow: 65534") + ", gid: {ranges: ["
                + ranges(", overflow: 100") + "}");
        assertEquals(2, f.size(), f.toString());
        assertTrue(
                f.getFirst().contains("overflow.yaml:7:")
                        && f.getFirst().contains("VM 'vm1': ids.uid overflow 65534 is a guest uid its own map maps"),
                f.getFirst());
        assertTrue(f.get(1).contains("ids.gid overflow 100 is a guest gid"), f.get(1));
        assertEquals(
                1, lint("{uid: {squash: 3100, overflow: 65534}}").size(), "a squash maps every guest id, 65534 too");
    }

    /**
     * Guest nobody runs daemons in every Linux guest whether the map holds 65534 or not, and under {@code permissions:
     * guest} an unmapped guest user's reads are served: with {@code overflow: 65534} and a map that leaves 65534 out
     * (or no ranges at all) guest nobody still owned, in its kernel's view, every host file outside the map.
     */
    @Test
    void guestNobodyAsTheOverflowIdIsReportedWhereTheMapLeavesItOut() throws Exception {
        List<String> f = lint("{uid: {ranges: [{guest: 0, host: 100000, count: 1000}], overflow: 65534},"
                + " gid: {overflow: 65534}}");
        assertEquals(2, f.size(), f.toString());
        assertTrue(f.getFirst().contains("ids.uid overflow 65534 is guest nobody's"), f.getFirst());
        assertTrue(f.get(1).contains("ids.gid overflow 65534 is guest nobody's"), f.get(1));
    }

    /**
     * {@code overflow: 1000} beside {@code {guest: 0, count: 1000}} loaded clean: 1000 is no mapped id, yet it is the
     * first login user useradd gives a Linux guest, and under {@code permissions: guest} that unmapped user's reads
     * are served, with owner rights, in its kernel's view, on every host file outside the map. An overflow below
     * 65536, the ids a Linux guest gives its system, login and dynamic users, is reported mapped or not.
     */
    @Test
    void anUnmappedOverflowAGuestUserCouldRunAsIsReported() throws Exception {
        List<String> f = lint("{uid: {ranges: [{guest: 0, host: 100000, count: 1000}], overflow: 1000},"
                + " gid: {ranges: [{guest: 0, host: 100000, count: 1000}], overflow: 65535}}");
        assertEquals(2, f.size(), f.toString());
        assertTrue(
                f.getFirst().contains("ids.uid overflow 1000 is below 65536, an id a guest user runs as"),
                f.getFirst());
        assertTrue(f.get(1).contains("ids.gid overflow 65535 is below 65536"), f.get(1));
        assertEquals(List.of(), lint("{uid: {ranges: [{guest: 0, host: 100000, count: 1000}], overflow: 65536}}"));
    }

    /**
     * A range whose host side holds the overflow id, (u32)-2 by default: the host id every VM's unmapped ids and every
     * VM without a map give their files. Host 4294967294 then shows as the range's guest id (65535 here), a guest user
     * like any other, who gets owner rights on all of them: another VM's files, the host's. It loaded quietly.
     */
    @Test
    void aRangeThatMapsTheOverflowHostIdIsReported() throws Exception {
        List<String> f = lint("{uid: {ranges: [{guest: 0, host: 4294901759, count: 65536}]}}");
        assertEquals(1, f.size(), f.toString());
        assertTrue(
                f.getFirst()
                        .contains("VM 'vm1': ids.uid range 0 maps host uid 4294967294, the overflow id, to guest"
                                + " uid 65535"),
                f.getFirst());
        assertEquals(
                1,
                lint("{gid: {ranges: [{guest: 0, host: 100000, count: 65536}], overflow: 100005}}")
                        .size(),
                "a chosen overflow id inside a range's host side: unmapped guest ids act as guest 5's host id");
    }

    @Test
    void theDefaultAnUnmappedOverflowOrNoMapAreClean() throws Exception {
        assertEquals(List.of(), lint("{uid: {ranges: [" + ranges("") + ", gid: {ranges: [" + ranges("") + "}"));
        assertEquals(List.of(), lint("{uid: {ranges: [" + ranges(", overflow: 70000") + "}"), "outside the ranges");
        assertEquals(List.of(), lint("{uid: {squash: 3100}, gid: {squash: 3100, overflow: 4294967294}}"));
        assertEquals(List.of(), lint("{}"), "no map: every id is the overflow id");
    }
}
