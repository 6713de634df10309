package io.p9gate.audit.note;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A tlog-checkpoint body: origin, tree size, base64 RFC 6962 root, then two extension lines, {@code chain} (base64
 * chain hash of the last record) and {@code time}.
 */
public record Checkpoint(String origin, long size, byte[] root, byte[] chainHead, Instant time) {
    private static final String CHAIN = "chain ";
    private static final String TIME = "time ";

    public Checkpoint {
        root = root.clone();
        chainHead = chainHead.clone();
    }

    public String body() {
        Base64.Encoder b64 = Base64.getEncoder();
        return origin + "\n" + size + "\n" + b64.encodeToString(root) + "\n" + CHAIN + b64.encodeToString(chainHead)
                + "\n" + TIME + time + "\n";
    }

    public static Checkpoint parse(String body) throws NoteFormatException {
        String[] lines = body.split("\n", -1);
        if (lines.length != 6 || !lines[5].isEmpty()) {
            throw new NoteFormatException("checkpoint body must have 5 lines (origin, size, root, chain, time)");
        }
        if (!lines[3].startsWith(CHAIN) || !lines[4].startsWith(TIME)) {
            throw new NoteFormatException("checkpoint extension lines must be 'chain …' then 'time …'");
        }
        try {
            long size = Long.parseLong(lines[1]);
            if (size < 0 || !lines[1].equals(Long.toString(size))) {
                throw new NoteFormatException("bad tree size: " + lines[1]);
            }
            Base64.Decoder d = Base64.getDecoder();
            byte[] root = d.decode(lines[2]);
            byte[] chain = d.decode(lines[3].substring(CHAIN.length()));
            if (root.length != 32 || chain.length != 32) {
                throw new NoteFormatException("root and chain hashes must be 32 bytes");
            }
            return new Checkpoint(lines[0], size, root, chain, Instant.parse(lines[4].substring(TIME.length())));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new NoteFormatException("bad checkpoint: " + e.getMessage());
        }
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] chainHead() {
        return chainHead.clone();
    }

    public boolean sameTree(Checkpoint other) {
        return size == other.size && Arrays.equals(root, other.root);
    }
}
