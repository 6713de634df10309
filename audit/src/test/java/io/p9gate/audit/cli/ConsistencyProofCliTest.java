package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit prove --consistency OLD NEW} and {@code audit check-proof} on it: offline, with only the public key,
 * a reviewer learns that the log of the newer checkpoint extends the older one; every way the proof can fail is one
 * line with its own exit code.
 */
class ConsistencyProofCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    Path log;
    Path pub;
    /** The sizes of the log's signed checkpoints, oldest first. */
    List<Long> sizes = new ArrayList<>();

    @BeforeEach
    void writeALogWithSeveralCheckpoints() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        reviewed.openWithDecisions(60).close();
        log = reviewed.log();
        pub = reviewed.pub();
        for (CheckpointStore.Entry e : TestLogs.checkpoints(log)) {
            sizes.add(Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size());
        }
        assertTrue(sizes.size() >= 3, sizes.toString());
    }

    private ObjectNode prove(long old, long size) throws Exception {
        CliRun r = CliRun.audit(
                "prove",
                "--consistency",
                Long.toString(old),
                Long.toString(size),
                "--log",
                log.toString(),
                "--key",
                pub.toString());
        assertEquals(0, r.exit(), r.err());
        return (ObjectNode) JSON.readTree(r.out());
    }

    private CliRun check(ObjectNode proof) throws Exception {
        Path file = tmp.resolve("proof.json");
        Files.writeString(file, JSON.writeValueAsString(proof));
        return CliRun.audit("check-proof", file.toString(), "--key", pub.toString());
    }

    private static void assertFails(CliRun r, int code, String fragment) {
        assertEquals(code, r.exit(), r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void everyPairOfSignedCheckpointsIsProvedOfflineToOnlyGrow() throws Exception {
        List<ObjectNode> proofs = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            for (int j = i + 1; j < sizes.size(); j++) {
                proofs.add(prove(sizes.get(i), sizes.get(j)));
            }
        }
        for (Path segment : LogDirectory.segments(log)) {
            Files.delete(segment); // offline: the proof needs nothing of the log
        }
        for (ObjectNode proof : proofs) {
            CliRun ok = check(proof);
            assertEquals(0, ok.exit(), ok.err());
            assertTrue(
                    ok.out().contains("at size " + proof.get("newSize") + " ")
                            && ok.out().contains("extends size " + proof.get("oldSize") + " ")
                            && ok.out().endsWith("the log only grew\n"),
                    ok.out());
        }
    }

    @Test
    void aTamperedPathIsRefused() throws Exception {
        ObjectNode proof = prove(sizes.getFirst(), sizes.getLast());
        ArrayNode path = (ArrayNode) proof.get("path");
        byte[] hash = Base64.getDecoder().decode(path.get(0).asText());
        hash[0] ^= 1;
        path.set(0, Base64.getEncoder().encodeToString(hash));
        assertFails(check(proof), 1, "consistency path does not lead from the old signed root to the new one");
    }

    @Test
    void swappedCheckpointsAreRefused() throws Exception {
        ObjectNode proof = prove(sizes.getFirst(), sizes.getLast());
        String old = proof.get("oldCheckpoint").asText();
        proof.put("oldCheckpoint", proof.get("newCheckpoint").asText()).put("newCheckpoint", old);
        assertFails(check(proof), 1, "checkpoints swapped?");
    }

    @Test
    void aCheckpointOfAnotherSizeIsRefused() throws Exception {
        ObjectNode proof = prove(sizes.getFirst(), sizes.getLast());
        proof.put(
                "newCheckpoint",
                prove(sizes.getFirst(), sizes.get(1)).get("newCheckpoint").asText());
        assertFails(check(proof), 1, "proof is for sizes");
    }

    @Test
    void aProofAgainstAnotherKeyIsRefusedAsUnknownKey() throws Exception {
        ObjectNode proof = prove(sizes.getFirst(), sizes.getLast());
        Path otherPub = tmp.resolve("other.pub");
        KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), tmp.resolve("other.key"), otherPub);
        Path file = tmp.resolve("proof.json");
        Files.writeString(file, JSON.writeValueAsString(proof));
        CliRun r = CliRun.audit("check-proof", file.toString(), "--key", otherPub.toString());
        assertFails(r, 9, "old checkpoint (size " + sizes.getFirst() + ") is not signed by the key given");
    }

    @Test
    void anEditedCheckpointIsABadSignature() throws Exception {
        ObjectNode proof = prove(sizes.getFirst(), sizes.getLast());
        String note = proof.get("newCheckpoint").asText();
        String[] lines = note.split("\n", -1);
        lines[1] = Long.toString(Long.parseLong(lines[1]) + 1); // claims one more record
        proof.put("newCheckpoint", String.join("\n", lines));
        assertFails(check(proof), 10, "new checkpoint (size " + (sizes.getLast() + 1) + "): the signature");
    }

    @Test
    void proveNeedsSignedSizesInOrder() throws Exception {
        long unsigned = sizes.getFirst() + 1;
        CliRun none = CliRun.audit(
                "prove",
                "--consistency",
                Long.toString(sizes.getFirst()),
                Long.toString(unsigned),
                "--log",
                log.toString());
        assertFails(none, 1, "no signed checkpoint of size " + unsigned + " that the stored records reproduce");
        assertTrue(none.err().contains("signed sizes: " + sizes.getFirst() + ", "), none.err());
        CliRun backwards = CliRun.audit("prove", "--consistency", "20", "10", "--log", log.toString());
        assertFails(backwards, 2, "OLD < NEW");
        CliRun both = CliRun.audit("prove", "7", "--consistency", "10", "20", "--log", log.toString());
        assertFails(both, 2, "not both");
    }
}
