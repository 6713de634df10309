package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key change binds the checkpoints to the new key: whoever still holds the retired key (an old ECU image, a leaked
 * key) cannot re-sign records written after the change, even for a reviewer who trusts both keys, as one must for a
 * log spanning the change (docs/audit-format.md, "Keys").
 */
class RetiredKeyTest {
    @TempDir
    Path dir;

    private final SigningKey retired = TestLogs.key("ecu-a-audit");
    private final SigningKey current = TestLogs.key("ecu-a-audit-2027");

    /** Twenty records under the first key, then a restart with the second (the key change) and forty more. */
    @BeforeEach
    void rotatedLog() throws Exception {
        TestLogs.write(dir, retired, TestLogs.options(), 20);
        TestLogs.write(dir, current, TestLogs.options(), 40);
    }

    private VerificationReport verify() throws IOException {
        return new Verifier(List.of(retired.verifierKey(), current.verifierKey()), null, Progress.NONE).verify(dir);
    }

    private static long size(String noteLine) throws Exception {
        return Checkpoint.parse(SignedNote.parse(noteText(noteLine)).body()).size();
    }

    private static String noteText(String noteLine) throws IOException {
        return new ObjectMapper().readTree(noteLine).get("note").asText();
    }

    @Test
    void theRotatedLogVerifiesWithBothKeys() throws Exception {
        VerificationReport r = verify();
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }

    @Test
    void theRetiredKeyCannotResignRecordsWrittenAfterTheChange() throws Exception {
        LogEditor e = new LogEditor(dir);
        int change = 0;
        while (!e.lines.get(change).contains("\"type\":\"key_change\"")) {
            change++;
        }
        int target = change + 10;
        e.lines.set(target, e.lines.get(target).replace("/data/", "/forged/"));
        e.rechainFrom(target + 1);
        List<String> notes = e.notes();
        String origin = SignedNote.parse(noteText(notes.getFirst())).body().split("\n")[0];
        int resigned = 0;
        for (int i = 0; i < notes.size(); i++) {
            long size = size(notes.get(i));
            if (size > target) {
                notes.set(i, e.signedNoteLine((int) size, origin, retired));
                resigned++;
            }
        }
        e.save();
        e.saveNotes(notes);
        assertTrue(resigned > 2, "the notes of the new key's run were re-signed with the retired key");

        VerificationReport r = verify();
        assertEquals(FindingClass.UNKNOWN_KEY.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("a key retired at record " + (change - 1)), r.summary());
        assertTrue(r.anchored() <= target, "nothing the retired key signed anchors the forged record: " + r.summary());
    }

    /**
     * An old ECU image that still holds the retired key boots on the log: its gateway records a key change back and
     * signs on. The log was written that way, but by a key the change retired, which signs nothing after it.
     */
    @Test
    void aRunStartedAgainWithTheRetiredKeyIsReported() throws Exception {
        TestLogs.write(dir, retired, TestLogs.options(), 10);

        VerificationReport r = verify();
        assertEquals(FindingClass.UNKNOWN_KEY.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("is signed by ecu-a-audit+"), r.summary());
    }
}
