package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import org.junit.jupiter.api.Test;

/** The suite pairs an intent with its outcome by the outcome's "intent=SEQ" word, not by a substring. */
class DetailWordMatchTest {
    @Test
    void anOutcomeOfALaterIntentIsNotTakenForAnEarlierOnes() {
        assertTrue(AuditRecord.hasDetailWord("phase=outcome intent=57", "intent=57"));
        assertFalse(AuditRecord.hasDetailWord("phase=outcome intent=570", "intent=57"));
        assertFalse(AuditRecord.hasDetailWord("names=a%20intent%3d57", "intent=57"));
        assertFalse(AuditRecord.hasDetailWord(null, "phase=intent"));
    }
}
