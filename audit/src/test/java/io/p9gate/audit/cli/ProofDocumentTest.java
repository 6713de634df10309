package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proof handed to a reviewer is read as exactly one document: {@code check-proof} says OK only for a proof whose
 * every number is the one it checked, and refuses one that repeats a key or has anything after it, which other
 * readers of the same file may take differently.
 */
class ProofDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    @TempDir
    Path tmp;

    ReviewedLog reviewed;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        reviewed.openWithDecisions(40).close();
    }

    private String prove(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "prove";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(
                new String[] {
                    "--log", reviewed.log().toString(), "--key", reviewed.pub().toString()
                },
                0,
                all,
                args.length + 1,
                4);
        CliRun r = CliRun.audit(all);
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private CliRun check(String document) throws Exception {
        Path file = Files.writeString(tmp.resolve("proof.json"), document);
        return CliRun.audit(
                "check-proof", file.toString(), "--key", reviewed.pub().toString());
    }

    private static void assertNoProof(CliRun r, String fragment) {
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void theUntouchedProofsHold() throws Exception {
        assertEquals(0, check(prove("5")).exit());
    }

    @Test
    void aLeafIndexOrSizeBeyond64BitsIsNoProofOfAnotherRecord() throws Exception {
        ObjectNode proof = (ObjectNode) JSON.readTree(prove("5"));
        long size = proof.get("treeSize").asLong();
        ObjectNode wrapped = proof.deepCopy().put("leafIndex", TWO_TO_64.add(BigInteger.valueOf(5)));
        assertNoProof(check(JSON.writeValueAsString(wrapped)), "\"leafIndex\" is not a whole number of 64 bits");
        wrapped = proof.deepCopy().put("treeSize", TWO_TO_64.add(BigInteger.valueOf(size)));
        assertNoProof(check(JSON.writeValueAsString(wrapped)), "\"treeSize\" is not a whole number of 64 bits");
        assertNoProof(
                check(JSON.writeValueAsString(proof.deepCopy().put("leafIndex", 5.5))), "\"leafIndex\" is not a whole");
        assertNoProof(
                check(JSON.writeValueAsString(proof.deepCopy().put("leafIndex", "5"))), "\"leafIndex\" is not a whole");
    }

    @Test
    void aConsistencyProofsSizesBeyond64BitsAreNoProof() throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (CheckpointStore.Entry e : TestLogs.checkpoints(reviewed.log())) {
            sizes.add(Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size());
        }
        long old = sizes.get(0);
        long size = sizes.get(1);
        ObjectNode proof = (ObjectNode) JSON.readTree(prove("--consistency", Long.toString(old), Long.toString(size)));
        assertEquals(0, check(JSON.writeValueAsString(proof)).exit());
        ObjectNode wrapped = proof.deepCopy().put("newSize", TWO_TO_64.add(BigInteger.valueOf(size)));
        assertNoProof(check(JSON.writeValueAsString(wrapped)), "\"newSize\" is not a whole number of 64 bits");
    }

    @Test
    void aKeyGivenTwiceOrTextAfterTheDocumentIsNoProof() throws Exception {
        String proof = prove("5").strip();
        String other = "{\"format\":\"p9gate-inclusion-proof/1\",\"record\":\"{\\\"seq\\\":5,\\\"forged\\\":1}\",";
        assertNoProof(check(other + proof.substring(1)), "Duplicate field 'format'");
        assertNoProof(check(proof + "\n{\"record\":\"forged\"}\n"), "Trailing token");
        assertNoProof(check(proof + " garbage"), "not JSON");
    }
}
