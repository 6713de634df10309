package io.p9gate.audit.note;

import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 public key in the signed-note verifier-key form {@code name+hash+base64(0x01||key)}: what reviewers
 * are given to check checkpoints.
 */
public record VerifierKey(String name, long keyHash, byte[] publicKey) {
    public VerifierKey {
        KeyName.check(name);
        publicKey = publicKey.clone();
        if (publicKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
    }

    public static VerifierKey of(String name, byte[] publicKey) {
        return new VerifierKey(name, KeyName.keyHash(name, publicKey), publicKey);
    }

    public static VerifierKey parse(String text) throws KeyFormatException {
        String[] parts = text.strip().split("\\+", 3); // at most 3 parts: base64 may contain '+'
        if (parts.length != 3) {
            throw new KeyFormatException("not a verifier key (want name+hash+key)");
        }
        byte[] raw = KeyText.decodeKey(parts[2]);
        byte[] pub = Arrays.copyOfRange(raw, 1, raw.length);
        VerifierKey key;
        try {
            key = of(parts[0], pub);
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException(e.getMessage());
        }
        KeyText.checkHash(parts[1], key.keyHash());
        return key;
    }

    /** {@code name+keyhash}: how a note's signature line and the log's records name the key. */
    public String label() {
        return name + "+" + String.format(java.util.Locale.ROOT, "%08x", keyHash);
    }

    public String format() {
        return name + "+" + String.format(Locale.ROOT, "%08x", keyHash) + "+"
                + Base64.getEncoder().encodeToString(KeyText.withAlgorithm(publicKey));
    }

    public boolean verify(byte[] message, byte[] signature) {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature);
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifierKey k && k.name.equals(name) && Arrays.equals(k.publicKey, publicKey);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
        return format();
    }
}
