package io.p9gate.audit.note;

import java.util.Base64;
import java.util.HexFormat;

/** Shared parsing of the base64 and hash parts of signed-note key strings. */
final class KeyText {
    private KeyText() {}

    static byte[] decodeKey(String base64) throws KeyFormatException {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("key material is not base64");
        }
        if (raw.length != 33 || raw[0] != KeyName.ED25519) {
            throw new KeyFormatException("not an Ed25519 key (want 0x01 followed by 32 bytes)");
        }
        return raw;
    }

    static void checkHash(String hex, long expected) throws KeyFormatException {
        long stated;
        try {
            stated = hex.length() == 8 ? HexFormat.fromHexDigitsToLong(hex) : -1;
        } catch (IllegalArgumentException e) {
            stated = -1;
        }
        if (stated != expected) {
            throw new KeyFormatException("key hash " + hex + " does not match the key");
        }
    }

    static byte[] withAlgorithm(byte[] key) {
        byte[] out = new byte[key.length + 1];
        out[0] = KeyName.ED25519;
        System.arraycopy(key, 0, out, 1, key.length);
        return out;
    }
}
