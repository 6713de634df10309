package io.p9gate.gateway.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Treaddir's cookies as a guest sees them: each host position (a d_off) passed through a keyed pseudo-random
 * permutation of [1, 2^63), and each cookie the guest sends passed back before the host seek (R-POL-4). A host
 * position says where entries are, hidden ones too: on ext4 the hash of a name, one seed for the whole
 * filesystem; on tmpfs, xfs or btrfs a count of entries, whose gaps count the hidden ones. A guest that cannot
 * invert the permutation learns from a cookie only whether it equals another cookie; one it forges reaches a host
 * position it cannot know, and what comes back carries only shown entries and cookies of this kind.
 *
 * <p>0 (the start of a directory) stays 0 and no other value maps to 0 or to a negative number: the Linux client
 * keeps cookies in a signed loff_t, and lseek refuses a negative one. Negative values, which no host position is,
 * are left as they are (a host seek refuses them). The permutation is a 4-round Feistel network over a 31-bit and
 * a 32-bit half, each round AES of (round, other half) under the VM's key, cycle-walking past 0. The key is derived
 * per VM from a random key of this gateway process, so two VMs' cookies for one directory cannot be compared; a
 * restart changes every cookie, as it closes every fid that could use one.
 */
final class DirCookies {
    private static final int ROUNDS = 4;
    private static final long HIGH = 0x7FFF_FFFFL; // bits 32-62
    private static final long LOW = 0xFFFF_FFFFL; // bits 0-31
    private static final byte[] PROCESS_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(PROCESS_KEY);
    }

    private final SecretKeySpec key;
    private final ThreadLocal<Rounds> rounds = ThreadLocal.withInitial(this::rounds);

    DirCookies(byte[] aesKey) {
        this.key = new SecretKeySpec(Arrays.copyOf(aesKey, 16), "AES");
    }

    /** The cookies of {@code vm}: its key is HMAC-SHA256(process key, vm), cut to an AES-128 key. */
    static DirCookies forVm(String vm) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(PROCESS_KEY, "HmacSHA256"));
            return new DirCookies(mac.doFinal(("p9gate readdir cookies\0" + vm).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The cookie a guest is given for host position {@code host}. */
    long toGuest(long host) {
        return permuted(host, true);
    }

    /** The host position of a cookie {@link #toGuest} gave (or of any other value, which the guest cannot know). */
    long toHost(long guest) {
        return permuted(guest, false);
    }

    /** The permutation of [0, 2^63) or its inverse, applied again while it gives 0 (cycle-walking). */
    private long permuted(long value, boolean forward) {
        if (value <= 0) {
            return value;
        }
        Rounds r = rounds.get();
        long x = value;
        do {
            x = r.feistel(x, forward);
        } while (x == 0);
        return x;
    }

    private Rounds rounds() {
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, key);
            return new Rounds(aes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is part of every JDK", e);
        }
    }

    /** One thread's cipher and blocks (a Cipher is not thread-safe). */
    private static final class Rounds {
        private final Cipher aes;
        private final ByteBuffer in = ByteBuffer.allocate(16);
        private final byte[] out = new byte[16];
        private final ByteBuffer result = ByteBuffer.wrap(out);

        Rounds(Cipher aes) {
            this.aes = aes;
        }

        /** A permutation of [0, 2^63): even rounds change the high half, odd rounds the low half. */
        long feistel(long x, boolean forward) {
            long hi = x >>> 32;
            long lo = x & LOW;
            for (int n = 0; n < ROUNDS; n++) {
                int i = forward ? n : ROUNDS - 1 - n;
                if (i % 2 == 0) {
                    hi ^= f(i, lo) & HIGH;
                } else {
                    lo ^= f(i, hi) & LOW;
                }
            }
            return hi << 32 | lo;
        }

        private long f(int round, long half) {
            in.put(0, (byte) round).putLong(1, half); // bytes 9-15 stay 0
            try {
                aes.doFinal(in.array(), 0, 16, out, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES of one block", e);
            }
            return result.getLong(0);
        }
    }
}
