package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One word per field of a record's detail (4f8dfd39, {@code BoundedWord}): the markers that say guest text was cut
 * held spaces ({@code a/...[16 names, 4095 bytes]}, {@code abc...[60000 bytes]}), so a walk of long names, or a
 * refused request's over-long detail, added words a reader of words took for fields; and a session's {@code peer=}
 * took a TLS client's certificate subject raw, its spaces and {@code =} included ({@code subject="CN=x intent=5"}).
 */
class DetailMarkerWordsTest {
    @TempDir
    Path tmp;

    @Test
    void aWalkOfNamesCutShortIsOneWord() {
        List<String> names = Collections.nCopies(16, "\u0001".repeat(255));
        String shown = GuestNames.shownWalk(names);
        assertFalse(shown.contains(" "), shown);
        assertTrue(shown.endsWith("...%[16-names-4095-bytes]"), shown);
    }

    @Test
    void anOverLongNameCutShortIsOneWord() {
        String name = "x".repeat(60_000);
        assertEquals("x".repeat(32) + "...%[60000-bytes]", GuestNames.shown(name));
        String detail = GuestNames.shownText("flags=0x0 " + "\u0001/".repeat(3_000));
        assertEquals(2, detail.split(" ").length, "flags and the cut text: " + detail);
        assertTrue(detail.endsWith("...%[6010-bytes]"), detail);
    }

    @Test
    void aSessionsPeerIsOneWordWhateverTheCertificateSubject() throws Exception {
        SignedLogs logs = SignedLogs.in(tmp);
        String peer = "192.0.2.1:40000 cert sha256=ab subject=\"CN=x intent=5,O=a b\"";
        try (SignedAuditTrail trail = logs.open()) {
            trail.lifecycle(new GatewayEvent.SessionOpened("alpha", 7, peer));
        }
        AuditRecord attach = logs.records().stream()
                .filter(r -> "session_attach".equals(r.type()))
                .findFirst()
                .orElseThrow();
        assertEquals(DetailWords.PEER + DetailWords.word(peer), attach.detail());
        assertEquals(peer, DetailWords.text(attach.detail().substring(DetailWords.PEER.length())));
    }
}
