package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.TestLogs;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interoperability with the C2SP signed-note format (the Go sumdb/note example vector) and round trips. */
class SignedNoteTest {
    // Public example vector of golang.org/x/mod/sumdb/note (example_test.go).
    private static final String SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private static final String VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private static final String TEXT = "If you think cryptography is the answer to your problem,\n"
            + "then you don't know what your problem is.\n";
    private static final String SIGNED = TEXT + "\n"
            + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    @Test
    void signsExactlyLikeTheReferenceImplementation() throws Exception {
        SigningKey key = SigningKey.parse(SKEY);
        assertEquals(VKEY, key.verifierKey().format(), "key hash and verifier key encoding");
        assertEquals(SKEY, key.format());
        assertEquals(SIGNED, SignedNote.sign(TEXT, key).format());
    }

    @Test
    void verifiesTheReferenceNote() throws Exception {
        SignedNote note = SignedNote.parse(SIGNED);
        assertEquals(TEXT, note.body());
        assertEquals(SignedNote.Trust.VERIFIED, note.trust(List.of(VerifierKey.parse(VKEY))));
        SignedNote altered = SignedNote.parse(SIGNED.replace("cryptography", "Cryptography"));
        assertEquals(SignedNote.Trust.BAD_SIGNATURE, altered.trust(List.of(VerifierKey.parse(VKEY))));
        assertEquals(
                SignedNote.Trust.UNKNOWN_KEY,
                note.trust(List.of(TestLogs.key("PeterNeumann").verifierKey())));
    }

    @Test
    void checkpointBodyRoundTrips() throws Exception {
        Checkpoint cp = new Checkpoint(
                "p9gate.example/ecu-a", 1234, new byte[32], filled(7), Instant.parse("2026-05-01T10:00:00.5Z"));
        Checkpoint back = Checkpoint.parse(cp.body());
        assertEquals(cp.body(), back.body());
        assertEquals(1234, back.size());
        assertArrayEquals(filled(7), back.chainHead());
        assertEquals(
                "p9gate.example/ecu-a\n1234\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                        + "chain BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 2026-05-01T10:00:00.500Z\n",
                cp.body());
    }

    @Test
    void malformedInputIsRejected() {
        assertThrows(NoteFormatException.class, () -> SignedNote.parse("no blank line\n"));
        assertThrows(NoteFormatException.class, () -> SignedNote.parse(TEXT + "\n- PeterNeumann abc\n"));
        assertThrows(NoteFormatException.class, () -> Checkpoint.parse("origin\n-1\nAA==\nchain AA==\ntime x\n"));
        assertThrows(
                KeyFormatException.class,
                () -> VerifierKey.parse("PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
        assertThrows(KeyFormatException.class, () -> SigningKey.parse(VKEY));
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }
}
