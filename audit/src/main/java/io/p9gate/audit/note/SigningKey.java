package io.p9gate.audit.note;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 private key with its signed-note name, stored as {@code PRIVATE+KEY+name+hash+base64(0x01||seed)}.
 * Signing goes through Bouncy Castle (an order of magnitude faster than the JDK's Ed25519 here).
 */
public final class SigningKey {
    static final String PREFIX = "PRIVATE+KEY+";
    private final String name;
    private final Ed25519PrivateKeyParameters key;
    private final VerifierKey verifierKey;

    private SigningKey(String name, Ed25519PrivateKeyParameters key) {
        this.name = KeyName.check(name);
        this.key = key;
        this.verifierKey = VerifierKey.of(name, key.generatePublicKey().getEncoded());
    }

    public static SigningKey generate(String name, SecureRandom random) {
        return new SigningKey(name, new Ed25519PrivateKeyParameters(random));
    }

    public static SigningKey parse(String text) throws KeyFormatException {
        String t = text.strip();
        if (!t.startsWith(PREFIX)) {
            throw new KeyFormatException("not a private key (want PRIVATE+KEY+name+hash+key)");
        }
        String[] parts = t.substring(PREFIX.length()).split("\\+", 3); // at most 3 parts: base64 may contain '+'
        if (parts.length != 3) {
            throw new KeyFormatException("not a private key (want PRIVATE+KEY+name+hash+key)");
        }
        byte[] raw = KeyText.decodeKey(parts[2]);
        SigningKey key;
        try {
            key = new SigningKey(parts[0], new Ed25519PrivateKeyParameters(raw, 1));
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException(e.getMessage());
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
        KeyText.checkHash(parts[1], key.verifierKey.keyHash());
        return key;
    }

    public String format() {
        return PREFIX + name + "+" + String.format(Locale.ROOT, "%08x", verifierKey.keyHash()) + "+"
                + Base64.getEncoder().encodeToString(KeyText.withAlgorithm(key.getEncoded()));
    }

    public String name() {
        return name;
    }

    public VerifierKey verifierKey() {
        return verifierKey;
    }

    /** A pure Ed25519 signature (64 bytes) over {@code message}. */
    public byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    @Override
    public String toString() {
        return "SigningKey[" + verifierKey.format() + "]";
    }
}
