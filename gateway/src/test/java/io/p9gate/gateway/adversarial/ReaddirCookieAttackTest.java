package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-4, hidden entries absent from readdir): Treaddir's cookies were the host's d_off, and a
 * dirent's d_off is the position of the entry that follows it. On ext4 (hash-ordered directories) that position
 * is the hash of the next entry's name, with one seed for the whole filesystem: the visible entry before a hidden
 * one carried the hidden name's hash. A guest that creates a candidate name in any directory it may write and
 * lists it learns that name's hash the same way, so it could confirm hidden names one guess at a time (on tmpfs,
 * where d_off counts entries, the gaps counted the hidden ones). A cookie now never names a hidden entry's position:
 * each shown entry's cookie is where the next shown entry starts. 1,000 entries: a reply of 64 KiB also stops at the
 * 512 policy questions of one Treaddir, before an entry whose visibility it did not judge.
 */
class ReaddirCookieAttackTest {
    private static final int O_RDONLY = 0;
    private static final int VISIBLE = 700;
    private static final int HIDDEN = 300;

    @TempDir
    Path tmp;

    @Test
    void noCookieIsTheHostPositionOfAHiddenEntry() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shares/data/pub"));
        Set<String> visible = new TreeSet<>(List.of(".", ".."));
        StringBuilder hidden = new StringBuilder();
        for (int i = 0; i < VISIBLE; i++) {
            Files.writeString(dir.resolve("visible-" + i), "v");
            visible.add("visible-" + i);
        }
        for (int i = 0; i < HIDDEN; i++) {
            Files.writeString(dir.resolve("hidden-" + i), "h");
            hidden.append(i == 0 ? "" : ", ").append("/pub/hidden-").append(i);
        }
        Path share = dir.getParent();
        try (HostShareGateway gw = HostShareGateway.serving(
                tmp,
                List.of(
                        new HostShareGateway.Share("data", share, "hidden: [" + hidden + "]"),
                        new HostShareGateway.Share("all", share, "")))) {
            // Where each hidden entry starts on the host: the cookie of the entry before it, as a share that hides
            // nothing lists them.
            Set<Long> hiddenPositions = new HashSet<>();
            try (P9Client all = gw.attached("all", 0)) {
                List<DirEntry> full = listing(all, 1 << 16);
                for (int i = 1; i < full.size(); i++) {
                    if (full.get(i).name().startsWith("hidden-")) {
                        hiddenPositions.add(full.get(i - 1).offset());
                    }
                }
            }
            assertFalse(hiddenPositions.isEmpty(), "some hidden entry follows another entry");
            try (P9Client guest = gw.attached("data", 0)) {
                for (int count : new int[] {1 << 16, 100, 64}) {
                    List<DirEntry> seen = listing(guest, count);
                    List<String> names = seen.stream().map(DirEntry::name).toList();
                    assertEquals(visible, new TreeSet<>(names), "count " + count + ": " + names);
                    assertEquals(visible.size(), names.size(), "count " + count + ", an entry twice: " + names);
                    for (DirEntry e : seen) {
                        assertFalse(
                                hiddenPositions.contains(e.offset()),
                                "count " + count + ": the cookie of " + e.name() + " is where a hidden entry starts");
                    }
                }
            }
        }
    }

    /** Every entry of /pub, read {@code count} bytes at a time from the cookie of the last entry of each reply. */
    private static List<DirEntry> listing(P9Client guest, int count) throws Exception {
        guest.walk(0, 1, "pub");
        guest.lopen(1, O_RDONLY);
        List<DirEntry> out = new ArrayList<>();
        long offset = 0;
        for (int round = 0; round < 10_000; round++) {
            List<DirEntry> batch = guest.readdir(1, offset, count);
            if (batch.isEmpty()) {
                guest.clunk(1);
                return out;
            }
            out.addAll(batch);
            offset = batch.getLast().offset();
        }
        throw new AssertionError("the listing never ended: " + out.size() + " entries");
    }
}
