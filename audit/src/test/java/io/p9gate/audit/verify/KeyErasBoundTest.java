package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.ChainRule;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.RunMark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * While a note waits for the openings after it, {@link KeyEras} remembers the keys those openings name. The chain is
 * no secret, so a doctored tail may hold any number of linked {@code start} records, each naming a key of its own:
 * every name was kept (about 100 bytes of heap for a line of about 200), an out-of-memory attack on verify. Only a
 * trusted key can let a waiting note anchor, so only trusted keys are kept.
 */
class KeyErasBoundTest {
    static final int FORGED_STARTS = 100_000;

    @Test
    void forgedStartsWhileANoteWaitsKeepOnlyTrustedKeys() {
        VerifierKey runKey = TestLogs.key("ecu-a-audit").verifierKey();
        VerifierKey otherKey = TestLogs.key("ecu-a-audit-2027").verifierKey();
        List<TrustedCheckpoint> anchored = new ArrayList<>();
        KeyEras eras = new KeyEras(List.of(runKey, otherKey), new FindingList(), (t, m) -> anchored.add(t));
        eras.record(start(0, runKey.label()));
        // Signed by a key that is not the run's: it waits for the openings after it (a crash left it unsigned).
        TrustedCheckpoint waiting = new TrustedCheckpoint(
                new Checkpoint("o", 2, new byte[32], new byte[32], Instant.EPOCH), null, 1, false, List.of(otherKey));
        assertFalse(eras.judge(waiting, true));
        for (int i = 0; i < FORGED_STARTS; i++) {
            eras.record(start(2 + i, "forged-" + i + "+0000000" + (i % 10)));
        }
        eras.record(start(2 + FORGED_STARTS, otherKey.label()));
        assertTrue(eras.keysNamed() <= 2, "keys kept while a note waits: " + eras.keysNamed());
        eras.finish();
        assertEquals(List.of(waiting), anchored); // the genuine opening's key still lets it anchor
    }

    private static LineHeader start(long seq, String key) {
        return new LineHeader(seq, "start", new byte[32], 1, ChainRule.LINE, RunMark.LOG_START, key);
    }
}
