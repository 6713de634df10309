package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * The mount a descriptor was opened through ({@code mnt_id} of {@code /proc/self/fdinfo}): two shares of one file
 * system through different mounts (a bind mount of a directory inside another share) may overlap though no climb of
 * ".." from either root passes the other's ({@link OpenShares}).
 */
final class MountIds {
    /** The mount could not be read: counts as any other mount of the file system. */
    static final long UNKNOWN = -1;

    private static final String FIELD = "mnt_id:";
    private static final LongAdder READS = new LongAdder();

    private MountIds() {}

    /** The mount id of {@code node}'s descriptor, {@link #UNKNOWN} if it cannot be read. */
    static long of(Node node) {
        READS.increment();
        try {
            return node.use(fd -> {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                        if (line.startsWith(FIELD)) {
                            return Long.parseLong(line.substring(FIELD.length()).strip());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // unknown
                }
                return UNKNOWN;
            });
        } catch (P9Exception e) {
            return UNKNOWN;
        }
    }

    /** For tests: how many times a mount id was read. */
    static long reads() {
        return READS.sum();
    }
}
