package io.p9gate.audit;

import io.p9gate.audit.note.Sha256;
import java.security.MessageDigest;

/**
 * The hashes of the log, all SHA-256: RFC 6962 leaf and interior nodes, and the hash chain under its two rules
 * (docs/audit-format.md "Hashes"; which rule applies to a stored record is {@link HashChain}'s to say). Instances
 * are not thread-safe (they reuse one digest); the static helpers allocate one per call.
 */
public final class Hashes {
    public static final int SIZE = 32;
    /** The chain value before the first record. */
    public static final byte[] GENESIS = new byte[SIZE];

    private final MessageDigest sha256 = newSha256();

    /** SHA-256(0x00 || line). */
    public byte[] leaf(byte[] line, int off, int len) {
        sha256.update((byte) 0x00);
        sha256.update(line, off, len);
        return sha256.digest();
    }

    /** SHA-256(0x01 || left || right). */
    public byte[] node(byte[] left, byte[] right) {
        sha256.update((byte) 0x01);
        sha256.update(left);
        sha256.update(right);
        return sha256.digest();
    }

    /** SHA-256(previous chain value || line): the line rule, of every log written before 2026-12-04. */
    public byte[] lineChain(byte[] previous, byte[] line, int off, int len) {
        sha256.update(previous);
        sha256.update(line, off, len);
        return sha256.digest();
    }

    /**
     * SHA-256(previous chain value || leaf hash): the leaf rule, of the records a {@code chain=leaf} statement
     * covers. One 64-byte block instead of the whole line again: the leaf hash already commits to the line.
     */
    public byte[] leafChain(byte[] previous, byte[] leaf) {
        sha256.update(previous);
        sha256.update(leaf);
        return sha256.digest();
    }

    public byte[] sha256(byte[] data) {
        return sha256.digest(data);
    }

    public static MessageDigest newSha256() {
        return Sha256.newDigest();
    }
}
