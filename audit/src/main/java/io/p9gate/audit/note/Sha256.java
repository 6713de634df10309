package io.p9gate.audit.note;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A fresh SHA-256 digest. It lives here, below the log, so that key hashes and the log's own hashes share one
 * factory without {@code note} depending back on {@code io.p9gate.audit} (a package cycle the build refuses).
 */
public final class Sha256 {
    private Sha256() {}

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
