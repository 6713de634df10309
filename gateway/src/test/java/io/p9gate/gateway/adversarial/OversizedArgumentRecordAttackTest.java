package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.SegmentReader;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, the audit log): a 9P string may be 65,535 bytes, and each control byte is 6 in a record
 * ({@code \u0001}). A Tsymlink's target and a Txattrwalk's or Txattrcreate's name went into the record's detail
 * as sent, though no host takes them (symlink(2) refuses a target past 4,095 bytes, xattr names stop at 255): a
 * 64 KiB request of VM alpha wrote about 400 KB of audit log (a symlink: twice, intent and outcome), allowed and so
 * never aggregated like refusals, and its flood used up the log's disk budget for every VM about 6 times faster
 * than its own traffic. Arguments no host takes are refused as such, and the record says how long they were.
 */
class OversizedArgumentRecordAttackTest {
    private static final int ROOT = 0;
    private static final long RECORD_BOUND = 8 << 10;

    @TempDir
    Path tmp;

    @Test
    void argumentsNoHostTakesDoNotFillTheAuditLog() throws Exception {
        String hostile = "\u0001".repeat(60_000);
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            long before = recordBytes(rig);
            P9Exception symlink = assertThrows(
                    P9Exception.class, () -> alpha.symlink(ROOT, "lnk", hostile, 0), "a 60,000-byte target");
            assertEquals(Errno.ENAMETOOLONG, symlink.errno());
            assertGrewLittle(rig, before, "Tsymlink");

            alpha.walk(ROOT, 1);
            before = recordBytes(rig);
            P9Exception get =
                    assertThrows(P9Exception.class, () -> alpha.rpc(new TMessage.Txattrwalk(1, 2, "user." + hostile)));
            assertEquals(Errno.ERANGE, get.errno());
            assertGrewLittle(rig, before, "Txattrwalk");

            before = recordBytes(rig);
            P9Exception set = assertThrows(
                    P9Exception.class, () -> alpha.rpc(new TMessage.Txattrcreate(1, "user." + hostile, 1, 0)));
            assertEquals(Errno.ERANGE, set.errno());
            assertGrewLittle(rig, before, "Txattrcreate");

            // Refusals of their own are recorded one by one up to 64 distinct ones per VM and second: each small.
            before = recordBytes(rig);
            P9Exception mkdir = assertThrows(P9Exception.class, () -> alpha.mkdir(ROOT, hostile, 0755, 0));
            assertEquals(Errno.ENAMETOOLONG, mkdir.errno());
            assertGrewLittle(rig, before, "Tmkdir of a 60,000-byte name");

            before = recordBytes(rig);
            P9Exception walk = assertThrows(P9Exception.class, () -> alpha.walk(ROOT, 3, "a", hostile));
            assertEquals(Errno.ENAMETOOLONG, walk.errno());
            assertGrewLittle(rig, before, "Twalk of a 60,000-byte name");

            before = recordBytes(rig);
            P9Exception attach = assertThrows(P9Exception.class, () -> alpha.attach(4, "root", hostile, 0));
            assertEquals(Errno.ENOENT, attach.errno());
            assertGrewLittle(rig, before, "Tattach of a 60,000-byte share name");

            // Short parts between slashes: no part is longer than a name may be, the whole is 60,000 bytes.
            String slashed = "\u0001/".repeat(30_000);
            before = recordBytes(rig);
            P9Exception slashedWalk = assertThrows(P9Exception.class, () -> alpha.walk(ROOT, 5, "a", slashed));
            assertEquals(Errno.EINVAL, slashedWalk.errno());
            assertGrewLittle(rig, before, "Twalk of a 60,000-byte name of short parts");

            // Beta: alpha's refused attach above makes a second one in the same second a repeat, only counted.
            try (P9Client beta = rig.beta()) {
                before = recordBytes(rig);
                P9Exception slashedAttach = assertThrows(P9Exception.class, () -> beta.attach(6, "root", slashed, 0));
                assertEquals(Errno.ENOENT, slashedAttach.errno());
                assertGrewLittle(rig, before, "Tattach of a 60,000-byte share name of short parts");
            }
        }
    }

    /**
     * A Twalk of the most names a walk may have (16), each a valid name of 255 control characters: 4,095 bytes of
     * UTF-8, 24,480 bytes of names in the record's detail (each character {@code \u0001}), for an allowed request
     * that any VM may send as often as it likes. The names are bounded in the record as a whole, by the bytes they
     * take there: the first ones and how many there were.
     */
    @Test
    void aWalkOfSixteenNamesOfControlCharactersWritesAFewKiB() throws Exception {
        String name = "\u0001".repeat(255);
        String[] names = java.util.Collections.nCopies(16, name).toArray(String[]::new);
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            long before = recordBytes(rig);
            P9Exception walk = assertThrows(P9Exception.class, () -> alpha.walk(ROOT, 1, names));
            assertEquals(Errno.ENOENT, walk.errno());
            long grown = recordBytes(rig) - before;
            assertTrue(grown > 0, "the walk was not recorded");
            assertTrue(grown < WALK_RECORD_BOUND, "the Twalk wrote " + grown + " bytes of audit log");
            io.p9gate.audit.read.AuditRecord record = rig.logs.records().stream()
                    .filter(r -> "walk".equals(r.op()))
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertTrue(
                    record.detail().contains(" ...%[16-names-4095-bytes]"),
                    "says what was left out: " + record.detail());
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }

    /**
     * A refused Tattach whose share name is 2,047 times U+0001 and "/": 4,094 bytes of UTF-8, under the bound a
     * share name is shortened at, but 14,329 bytes in the record (each control character six there). The share name
     * is bounded by the bytes it takes in the record, like a path and a walk's names.
     */
    @Test
    void aShareNameOfControlCharactersIsBoundedByItsRecordBytes() throws Exception {
        String share = "\u0001/".repeat(2_047);
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            long before = recordBytes(rig);
            P9Exception attach = assertThrows(P9Exception.class, () -> alpha.attach(4, "root", share, 0));
            assertEquals(Errno.ENOENT, attach.errno());
            long grown = recordBytes(rig) - before;
            assertTrue(grown > 0, "the Tattach was not recorded");
            assertTrue(grown < WALK_RECORD_BOUND, "the refused Tattach wrote " + grown + " bytes of audit log");
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }

    /**
     * A refused Tattach's share name was cut ({@code xxx...%[60000-bytes]}) before its record made it one word, whose
     * escape then wrote the marker's {@code %} as a guest's ({@code %25[}): a 49-byte aname of that text read exactly
     * as a 60,000-byte one cut short. The share is made a word first and the marker added after (a guest's {@code %}
     * is {@code %25} there, the marker's is not), with its SHA-256 as any bounded word's.
     */
    @Test
    void aShortShareNameCannotReadAsALongOneCutShort() throws Exception {
        String cut = "x".repeat(60_000);
        String posing = "x".repeat(32) + "...%[60000-bytes]";
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> alpha.attach(4, "root", cut, 0))
                            .errno());
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> beta.attach(4, "root", posing, 0))
                            .errno());
            java.util.List<String> shares = rig.logs.records().stream()
                    .filter(r -> "attach".equals(r.op()) && r.detail() != null)
                    .map(r -> java.util.Arrays.stream(r.detail().split(" "))
                            .filter(w -> w.startsWith("share="))
                            .findFirst()
                            .orElseThrow())
                    .filter(w -> w.startsWith("share=xxx")) // the rig's own attaches name its shares
                    .toList();
            assertEquals(2, shares.size(), shares.toString());
            assertTrue(!shares.get(0).equals(shares.get(1)), "the two refusals read alike: " + shares);
            assertEquals("share=" + io.p9gate.audit.DetailWords.word(posing), shares.get(1), "the short one as sent");
        }
    }

    /** One record: a path abbreviated to 1 KiB and its marker, the walked names kept within 1 KiB, the rest. */
    private static final long WALK_RECORD_BOUND = 4 << 10;

    /** Bytes of the log's records (its segment files may be allocated ahead). */
    static long recordBytes(AuditedPolicyGateway rig) throws Exception {
        long[] total = {0};
        SegmentReader.forEachLine(rig.logs.dir, line -> total[0] += line.bytes().length + 1);
        return total[0];
    }

    private static void assertGrewLittle(AuditedPolicyGateway rig, long before, String request) throws Exception {
        long grown = recordBytes(rig) - before;
        assertTrue(grown > 0, request + " was not recorded");
        assertTrue(grown < RECORD_BOUND, request + " wrote " + grown + " bytes of audit log");
    }
}
