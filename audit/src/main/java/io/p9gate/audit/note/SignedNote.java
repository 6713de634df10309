package io.p9gate.audit.note;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A C2SP signed note: a body of non-empty newline-terminated lines, a blank line, then one or more signature
 * lines. The signature covers the body bytes exactly (including its final newline).
 */
public record SignedNote(String body, List<NoteSignature> signatures) {
    public SignedNote {
        if (!body.endsWith("\n") || body.contains("\n\n")) {
            throw new IllegalArgumentException("note body must be non-empty lines each ending in a newline");
        }
        signatures = List.copyOf(signatures);
    }

    public static SignedNote sign(String body, SigningKey key) {
        byte[] sig = key.sign(body.getBytes(StandardCharsets.UTF_8));
        return new SignedNote(
                body, List.of(new NoteSignature(key.name(), key.verifierKey().keyHash(), sig)));
    }

    public String format() {
        StringBuilder b = new StringBuilder(body).append('\n');
        signatures.forEach(s -> b.append(s.line()));
        return b.toString();
    }

    public static SignedNote parse(String text) throws NoteFormatException {
        int split = text.indexOf("\n\n");
        if (split < 0 || !text.endsWith("\n")) {
            throw new NoteFormatException("not a signed note (no blank line before the signatures)");
        }
        String body = text.substring(0, split + 1);
        List<NoteSignature> sigs = new ArrayList<>();
        for (String line : text.substring(split + 2).split("\n")) {
            sigs.add(NoteSignature.parseLine(line));
        }
        if (sigs.isEmpty() || body.startsWith("\n")) {
            throw new NoteFormatException("signed note without body or signatures");
        }
        return new SignedNote(body, sigs);
    }

    /** How a note's signatures stand against a set of trusted keys. */
    public enum Trust {
        VERIFIED,
        BAD_SIGNATURE,
        UNKNOWN_KEY
    }

    /**
     * VERIFIED if some signature is by a trusted key (name and key hash match) and verifies; BAD_SIGNATURE if a
     * trusted key's signature is present but wrong; UNKNOWN_KEY if no signature is by a trusted key.
     */
    public Trust trust(List<VerifierKey> trusted) {
        if (!verifiedBy(trusted).isEmpty()) {
            return Trust.VERIFIED;
        }
        return namesAny(trusted) ? Trust.BAD_SIGNATURE : Trust.UNKNOWN_KEY;
    }

    /** Whether some signature names one of {@code trusted} (name and key hash), whether or not it verifies. */
    public boolean namesAny(List<VerifierKey> trusted) {
        for (NoteSignature s : signatures) {
            for (VerifierKey k : trusted) {
                if (names(k, s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean names(VerifierKey k, NoteSignature s) {
        return k.name().equals(s.keyName()) && k.keyHash() == s.keyHash();
    }

    /** The trusted keys whose signatures on this note verify (none: see {@link #trust}). */
    public List<VerifierKey> verifiedBy(List<VerifierKey> trusted) {
        byte[] msg = body.getBytes(StandardCharsets.UTF_8);
        List<VerifierKey> by = new ArrayList<>();
        for (NoteSignature s : signatures) {
            for (VerifierKey k : trusted) {
                if (names(k, s) && !by.contains(k) && k.verify(msg, s.signature())) {
                    by.add(k);
                }
            }
        }
        return by;
    }
}
