package io.p9gate.policy.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How long a Unix socket's path may be where the gateway binds it: sun_path holds 108 bytes, the last a NUL, and the
 * gateway binds each socket first in a private directory beside it ({@code DIR/.p9XXXXXX/s}, up to 12 bytes past
 * DIR). Shared by {@code policy check}, which must refuse what {@code serve} would, and the binder.
 */
public final class UnixSocketPath {
    /** The longest path a socket can be bound at or connected to by. */
    public static final int MAX_BYTES = 107;

    /** The staging directory's name: this, then a random number below {@link #STAGING_NUMBERS} in base 36. */
    public static final String STAGING_PREFIX = ".p9";

    public static final long STAGING_NUMBERS = 1L << 30;

    /** The socket's name in its staging directory. */
    public static final String STAGED_NAME = "s";

    /** The longest staging path beside a socket, from the names the binder makes. */
    private static final String LONGEST_STAGING =
            STAGING_PREFIX + Long.toString(STAGING_NUMBERS - 1, 36) + "/" + STAGED_NAME;

    private UnixSocketPath() {}

    /** Why no socket can be bound at {@code target} (after "refusing to listen on TARGET: "), or empty. */
    public static Optional<String> tooLong(Path target) {
        int length = bytes(target);
        if (length > MAX_BYTES) {
            return Optional.of("its path is " + length + " bytes, and a Unix socket's may be at most " + MAX_BYTES);
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) {
            return Optional.of(
                    "it names the root directory, not a socket in a directory"); // no staging place beside it
        }
        Path longest = parent.resolve(LONGEST_STAGING);
        int staging = bytes(longest);
        if (staging > MAX_BYTES) {
            return Optional.of("the socket is bound first in a private directory beside it, at a path of up to "
                    + staging + " bytes (" + longest + "), and a Unix socket's may be at most " + MAX_BYTES
                    + ": use a shorter directory");
        }
        return Optional.empty();
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
