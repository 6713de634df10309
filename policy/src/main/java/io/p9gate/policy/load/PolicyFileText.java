package io.p9gate.policy.load;

import io.p9gate.audit.note.SmallFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Reads a policy file, a policy test file or a hand-written Cedar file: only a regular file (after links), and at
 * most {@link #MAX_BYTES}. Read with {@code Files.readString}, a FIFO named as the policy (or as its {@code cedar:}
 * file) blocked every policy tool, and the gateway's load, in open(2) for ever, and a device such as
 * {@code /dev/zero} was read until the heap ran out. A policy is a few KiB; the YAML parser takes no more than
 * 3 MiB of characters anyway.
 */
public final class PolicyFileText {
    /** 16 MiB: well above any policy, Cedar or test file, and above the YAML parser's own limit. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;

    private PolicyFileText() {}

    /**
     * @throws IOException the file cannot be read, or is no regular file or too long ({@link IoReason} says which)
     */
    public static byte[] bytes(Path file) throws IOException {
        try {
            return SmallFile.read(file, MAX_BYTES);
        } catch (SmallFile.UnfitException e) {
            throw new FileSystemException(file.toString(), null, e.getMessage());
        }
    }

    /** The file as UTF-8 text. @throws IOException as {@link #bytes}, or {@link NotUtf8Exception} */
    public static String text(Path file) throws IOException {
        return utf8(bytes(file));
    }

    /** @throws NotUtf8Exception at the first byte that does not decode (a truncated sequence at the end included) */
    static String utf8(byte[] bytes) throws NotUtf8Exception {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never has more characters than bytes
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            out.flip();
            throw new NotUtf8Exception(TextPosition.of(out, out.length()), bytes[in.position()]);
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
