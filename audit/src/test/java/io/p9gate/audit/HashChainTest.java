package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.ChainRule;
import io.p9gate.audit.read.LineHeader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The two chain rules (docs/audit-format.md "Hashes"): golden vectors computed outside Java (Python's hashlib), and
 * which rule {@link HashChain} applies to each record.
 */
class HashChainTest {
    private static final HexFormat HEX = HexFormat.of();
    private final Hashes h = new Hashes();
    private static final String ZEROS = "0".repeat(64);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void leafChainGoldenVectors() {
        // sha256(bytes(32) + sha256(b'\x00').digest())
        assertEquals(
                "64fdb2b463190df45dc976206ce8111d8c83680ddeb86778b7f9982d6822de6a",
                HEX.formatHex(h.leafChain(Hashes.GENESIS, h.leaf(new byte[0], 0, 0))));
        byte[] line0 = ascii("{\"seq\":0}");
        byte[] leaf0 = h.leaf(line0, 0, line0.length);
        assertEquals("a402b0e36f5aae85457360fcf00a2545b87dd47f310553e7b0d32d6d0ac4400d", HEX.formatHex(leaf0));
        byte[] chain0 = h.leafChain(Hashes.GENESIS, leaf0);
        assertEquals("8306abfb5f492cae4882fa21ee10c10d77e5934810ec7e1c0f32d45dec1a5a37", HEX.formatHex(chain0));
        byte[] line1 = ascii("{\"seq\":1}");
        assertEquals(
                "cc1ee7671e3c3c2caf8ee0c44f0efc086bf21ddd5238a73ad74de9a6588e1b27",
                HEX.formatHex(h.leafChain(chain0, h.leaf(line1, 0, line1.length))));
    }

    @Test
    void lineChainGoldenVectorIsTheOlderRule() {
        byte[] line0 = ascii("{\"seq\":0}");
        assertEquals(
                "e8a6c792aa64f9982027bb2cd9a23a179d4c805c9974b0f8cfc9a6cd815bdf01",
                HEX.formatHex(h.lineChain(Hashes.GENESIS, line0, 0, line0.length)));
    }

    private static String record(long seq, String type, String detail) {
        return "{\"seq\":" + seq + ",\"type\":\"" + type + "\",\"detail\":"
                + (detail == null ? "null" : "\"" + detail + "\"") + ",\"prev\":\"" + ZEROS + "\"}";
    }

    /** Feeds the line to the chain and says whether it was chained by its leaf hash. */
    private boolean leafRuleAfter(HashChain chain, String line) {
        byte[] b = ascii(line);
        byte[] leaf = h.leaf(b, 0, b.length);
        byte[] next = chain.next(
                Hashes.GENESIS, b, 0, b.length, leaf, LineHeader.parse(b).orElse(null));
        boolean leafRule = chain.rule() == ChainRule.LEAF;
        assertEquals(
                HEX.formatHex(
                        leafRule ? h.leafChain(Hashes.GENESIS, leaf) : h.lineChain(Hashes.GENESIS, b, 0, b.length)),
                HEX.formatHex(next));
        return leafRule;
    }

    @Test
    void startAndCheckpointRecordsStateTheRuleOfThemselvesAndTheRecordsAfter() {
        HashChain chain = new HashChain(h);
        assertFalse(leafRuleAfter(chain, record(0, "start", "key=k recovered_unanchored=0")), "older start record");
        assertFalse(leafRuleAfter(chain, record(1, "decision", "action=walk chain=leaf")), "a decision states none");
        assertFalse(leafRuleAfter(chain, record(2, "start", "key=k xchain=leaf")), "a whole word only");
        assertFalse(leafRuleAfter(chain, "not a record"));
        assertTrue(leafRuleAfter(chain, record(3, "start", "key=k chain=leaf torn_bytes=0")), "from the stating one");
        assertTrue(leafRuleAfter(chain, record(4, "decision", null)));
        assertTrue(leafRuleAfter(chain, "not a record"));
        assertTrue(leafRuleAfter(chain, record(5, "checkpoint", "reason=count chain=leaf")));
        assertFalse(leafRuleAfter(chain, record(6, "checkpoint", "reason=count")), "each one states its own");
        assertFalse(leafRuleAfter(chain, record(7, "decision", null)));
        assertTrue(leafRuleAfter(chain, record(8, "checkpoint", "reason=time chain=leaf")));
    }

    @Test
    void aStatementOutOfTheWritersFieldOrderIsTheLineRule() {
        String detailFirst = "{\"seq\":0,\"detail\":\"chain=leaf\",\"type\":\"start\",\"prev\":\"" + ZEROS + "\"}";
        assertEquals(
                ChainRule.LINE,
                LineHeader.parse(ascii(detailFirst)).orElseThrow().statedRule());
        assertEquals(
                null,
                LineHeader.parse(ascii(record(0, "decision", "chain=leaf")))
                        .orElseThrow()
                        .statedRule());
    }

    /**
     * A guest's names (paths, anames, xattr names) and the words built from them end up in decision records: escaped
     * there, none makes the record read as a start record, which would state the line rule for the records after it.
     */
    @Test
    void guestTextMakesNoDecisionStateARule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String hostile = "x\",\"type\":\"start\",\"detail\":\"key=k\",\"prev\":\"" + ZEROS
                + "\"}\n{\"type\":\"start\" chain=line \\\" type=start";
        io.p9gate.audit.note.SigningKey key = TestLogs.key("k");
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            log.append(TestLogs.decision(1, "/" + hostile, hostile));
        }
        int decisions = 0;
        for (String line : java.nio.file.Files.readAllLines(
                io.p9gate.audit.read.LogDirectory.segments(dir).getFirst())) {
            LineHeader header = LineHeader.parse(ascii(line)).orElseThrow();
            if (line.contains("chain=line")) {
                assertEquals("decision", header.type(), line);
                assertEquals(null, header.statedRule(), line);
                decisions++;
            }
        }
        assertEquals(1, decisions);
        io.p9gate.audit.verify.VerificationReport r = new io.p9gate.audit.verify.Verifier(
                        java.util.List.of(key.verifierKey()), null, io.p9gate.audit.verify.Progress.NONE)
                .verify(dir);
        assertTrue(r.findings().isEmpty(), r.summary());
    }

    @Test
    void theWritersStartAndCheckpointRecordsStateTheLeafRule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        TestLogs.write(dir, TestLogs.key("k"), TestLogs.options(), 1);
        byte[] first = java.nio.file.Files.readAllLines(
                        io.p9gate.audit.read.LogDirectory.segments(dir).getFirst())
                .getFirst()
                .getBytes(StandardCharsets.US_ASCII);
        LineHeader header = LineHeader.parse(first).orElseThrow();
        assertEquals("start", header.type());
        assertEquals(ChainRule.LEAF, header.statedRule(), new String(first, StandardCharsets.US_ASCII));
        for (String line : java.nio.file.Files.readAllLines(
                io.p9gate.audit.read.LogDirectory.segments(dir).getLast())) {
            if (line.contains("\"type\":\"checkpoint\"")) {
                assertEquals(
                        ChainRule.LEAF,
                        LineHeader.parse(ascii(line)).orElseThrow().statedRule(),
                        line);
            }
        }
    }
}
