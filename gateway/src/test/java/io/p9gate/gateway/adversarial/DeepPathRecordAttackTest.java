package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.SegmentReader;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, the audit log): share-relative paths had no length bound, and every record carries its
 * path(s). 300 nested directories of 254-byte names of 'é' (each 6 bytes in a record, {@code \u00e9}) made each
 * Tgetattr record there 229 KB: one VM wrote 45.9 MB of log in 0.9 s. The gateway serves only paths it can name
 * within PATH_MAX: a share-relative path ("/" included) of at most 4,095 bytes, so a record stays under 25 KB here.
 */
class DeepPathRecordAttackTest {
    private static final int ROOT = 0;
    private static final int PATH_MAX = 4095;
    /** 254 bytes in UTF-8, 127 characters: a char count would see half the path. */
    private static final String LEVEL = "é".repeat(127);
    /** 16 levels: "/" + 254 bytes each, 4,080 bytes. */
    private static final int LEVELS = 16;
    /**
     * A record carries at most two strings of up to 4,095 bytes (a path and the names walked to it, or a rename's
     * source and destination), each 'é' of them 6 bytes there: 24,570 bytes, and 1 KiB for the other fields.
     */
    private static final int RECORD_BOUND = 2 * 3 * PATH_MAX + 1024;

    private static final int O_RDWR = 2;
    private static final int S_IFREG = 0100000;

    @TempDir
    Path tmp;

    private Path share;

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTrees() throws Exception {
        if (share != null) {
            Process rm = new ProcessBuilder("rm", "-rf", share.toString())
                    .inheritIO()
                    .start();
            assertEquals(0, rm.waitFor());
        }
    }

    @Test
    void noRequestNamesAPathBeyondPathMaxAndNoRecordCarriesOne() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            share = rig.policy.data;
            int deep = descend(alpha, ROOT, 1, LEVELS); // at 4,080 bytes
            String fits = "é".repeat(7); // 4,080 + "/" + 14 = 4,095 bytes
            String over = "é".repeat(8); // 8 characters would still fit; its 16 bytes do not
            assertEquals(PATH_MAX, bytes("/" + LEVEL) * LEVELS + bytes("/" + fits), "the arithmetic");

            alpha.mkdir(deep, fits, 0755, 0);
            assertEquals(1, alpha.walk(deep, 100, fits).size(), "exactly 4,095 bytes is served");
            alpha.getattr(100, 0x7ff);
            alpha.clunk(100);

            alpha.walk(ROOT, 50);
            alpha.lcreate(50, "file", O_RDWR, 0644, 0);
            assertTooLong("Tmkdir", () -> alpha.mkdir(deep, over, 0755, 0));
            assertTooLong("Tlcreate", () -> {
                alpha.walk(deep, 51);
                alpha.lcreate(51, over, O_RDWR, 0644, 0);
            });
            assertTooLong("Tsymlink", () -> alpha.symlink(deep, over, "t", 0));
            assertTooLong("Tmknod", () -> alpha.rpc(new TMessage.Tmknod(deep, over, S_IFREG | 0644, 0, 0, 0)));
            assertTooLong("Tlink", () -> alpha.link(deep, 50, over));
            assertTooLong("Trenameat", () -> alpha.renameat(ROOT, "file", deep, over));
            assertTooLong("Trename", () -> alpha.rpc(new TMessage.Trename(50, deep, over)));
            assertTooLong("Twalk", () -> alpha.walk(deep, 52, over));
            assertRefusedAsInvalidName(rig);
            assertEquals(1, alpha.walk(deep, 53, fits, over).size(), "a walk stops where the path passes 4,095");
            assertEquals(
                    Errno.EBADF,
                    assertThrows(P9Exception.class, () -> alpha.getattr(53, 0x7ff))
                            .errno(),
                    "and makes no fid");

            // Renaming a directory above existing ones may carry them beyond the limit: they can no longer be named.
            alpha.walk(deep, 60, fits);
            alpha.renameat(ROOT, LEVEL, ROOT, LEVEL + "a"); // one byte longer: the fid at 4,095 is at 4,096
            assertTooLong("Tgetattr of a fid now beyond the limit", () -> alpha.getattr(60, 0x7ff));
            assertTooLong("Twalk to a directory now beyond the limit", () -> alpha.walk(deep, 61, fits));
            assertEquals(1, alpha.walk(deep, 62, "..").size(), "what is still within reach stays reachable");

            assertRecordsBounded(rig);
        }
    }

    @Test
    void aTreeTheHostMadeBeyondPathMaxCannotBeWalkedInto() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            share = rig.policy.data;
            hostTree(share, "h", LEVELS + 2); // "/h" + 18 levels: 4,592 bytes
            List<String> first = new ArrayList<>(List.of("h"));
            first.addAll(Collections.nCopies(15, LEVEL));
            assertEquals(16, alpha.walk(ROOT, 1, first.toArray(String[]::new)).size()); // 3,827 bytes
            assertEquals(1, alpha.walk(1, 2, LEVEL, LEVEL).size(), "4,082 bytes, then 4,337: stops");
            alpha.walk(1, 3, LEVEL);
            assertTooLong("Twalk from 4,082 bytes", () -> alpha.walk(3, 4, LEVEL));
            assertTooLong("Tmkdir at 4,082 + 15 bytes", () -> alpha.mkdir(3, "a".repeat(14), 0755, 0));
            assertRecordsBounded(rig);
        }
    }

    /** Makes {@code levels} directories of {@link #LEVEL} below {@code fid}, walking {@code next}.. to each. */
    private static int descend(P9Client c, int fid, int next, int levels) throws Exception {
        int at = fid;
        for (int i = 0; i < levels; i++) {
            c.mkdir(at, LEVEL, 0755, 0);
            c.walk(at, next + i, LEVEL);
            at = next + i;
        }
        return at;
    }

    /** A tree the host makes below {@code share}: cd works at any depth where a path does not. */
    private static void hostTree(Path share, String top, int levels) throws Exception {
        String script =
                "cd \"$1\" && mkdir \"$2\" && cd \"$2\" && for i in $(seq $3); do mkdir \"$4\" && cd \"$4\"; done";
        Process p = new ProcessBuilder(
                        "bash", "-c", script, "tree", share.toString(), top, String.valueOf(levels), LEVEL)
                .inheritIO()
                .start();
        assertEquals(0, p.waitFor());
    }

    private static void assertTooLong(String request, Executable call) {
        P9Exception e = assertThrows(P9Exception.class, call, request);
        assertEquals(Errno.ENAMETOOLONG, e.errno(), request + ": " + e.getMessage());
    }

    /** The refusals are recorded, as invalid names are, each with a cut path. */
    private static void assertRefusedAsInvalidName(AuditedPolicyGateway rig) throws Exception {
        List<String> refusals = new ArrayList<>();
        SegmentReader.forEachLine(rig.logs.dir, line -> {
            String text = new String(line.bytes(), StandardCharsets.US_ASCII);
            if (text.contains("invalid-name")) {
                refusals.add(text);
            }
        });
        assertTrue(refusals.size() >= 8, "every refusal recorded: " + refusals.size());
        for (String refusal : refusals) {
            assertTrue(refusal.contains("\"errno\":36"), refusal);
        }
    }

    private static void assertRecordsBounded(AuditedPolicyGateway rig) throws Exception {
        int[] largest = {0};
        SegmentReader.forEachLine(rig.logs.dir, line -> largest[0] = Math.max(largest[0], line.bytes().length));
        assertTrue(largest[0] < RECORD_BOUND, "the largest record has " + largest[0] + " bytes");
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
