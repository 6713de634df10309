package io.p9gate.audit.note;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Key names and key hashes as the C2SP signed-note spec defines them for Ed25519 (algorithm byte 0x01). */
public final class KeyName {
    static final byte ED25519 = 0x01;

    private KeyName() {}

    /** Names are non-empty and contain no whitespace and no '+' (they are embedded in key strings and notes). */
    public static String check(String name) {
        if (name == null || name.isEmpty() || name.chars().anyMatch(c -> Character.isWhitespace(c) || c == '+')) {
            throw new IllegalArgumentException("key name must be non-empty without spaces or '+': " + name);
        }
        return name;
    }

    /** SHA-256(name || 0x0A || 0x01 || public key)[:4], as an unsigned big-endian number. */
    public static long keyHash(String name, byte[] publicKey) {
        MessageDigest sha = Sha256.newDigest();
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(ED25519);
        sha.update(publicKey);
        byte[] d = sha.digest();
        return ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
    }
}
