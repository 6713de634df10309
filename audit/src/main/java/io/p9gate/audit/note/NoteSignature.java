package io.p9gate.audit.note;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/** One signature line of a signed note: {@code — name base64(keyhash[4] || signature)}. */
public record NoteSignature(String keyName, long keyHash, byte[] signature) {
    static final String DASH = "\u2014 ";

    public NoteSignature {
        signature = signature.clone();
    }

    String line() {
        ByteBuffer b =
                ByteBuffer.allocate(4 + signature.length).putInt((int) keyHash).put(signature);
        return DASH + keyName + " " + Base64.getEncoder().encodeToString(b.array()) + "\n";
    }

    static NoteSignature parseLine(String line) throws NoteFormatException {
        if (!line.startsWith(DASH)) {
            throw new NoteFormatException("signature line does not start with an em dash");
        }
        String[] parts = line.substring(DASH.length()).split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty()) {
            throw new NoteFormatException("signature line is not 'name signature'");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new NoteFormatException("signature is not base64");
        }
        if (raw.length < 5) {
            throw new NoteFormatException("signature too short");
        }
        long hash = ByteBuffer.wrap(raw, 0, 4).getInt() & 0xffffffffL;
        return new NoteSignature(parts[0], hash, Arrays.copyOfRange(raw, 4, raw.length));
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoteSignature s
                && s.keyName.equals(keyName)
                && s.keyHash == keyHash
                && Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
        return keyName.hashCode() ^ Long.hashCode(keyHash) ^ Arrays.hashCode(signature);
    }
}
