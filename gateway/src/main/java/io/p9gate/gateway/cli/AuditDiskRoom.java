package io.p9gate.gateway.cli;

import io.p9gate.gateway.metrics.StatusTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether the audit log's file system has room for {@code --audit-max-bytes}. That budget counts only the log's own
 * bytes: on a disk with less free, the disk fills before its 20 % and 5 % steps, the log fails (ENOSPC) and every
 * request of every VM is refused (EIO) at once, with no warning before. {@code --audit-min-free} follows the free
 * space itself, so with it there is nothing to say.
 */
final class AuditDiskRoom {
    private AuditDiskRoom() {}

    /** One WARNING line (without its prefix) when the budget is larger than the disk can give; empty otherwise. */
    static Optional<String> warning(Path dir, long maxBytes, long minFree) {
        if (maxBytes == 0 || minFree > 0) {
            return Optional.empty();
        }
        long free;
        long held;
        try (Stream<Path> files = Files.list(dir)) {
            free = Files.getFileStore(dir).getUsableSpace();
            held = files.filter(Files::isRegularFile)
                    .mapToLong(AuditDiskRoom::size)
                    .sum();
        } catch (IOException e) {
            return Optional.empty(); // the log itself reports a directory it cannot use
        }
        if (free >= maxBytes - held) {
            return Optional.empty();
        }
        return Optional.of("--audit-max-bytes (" + StatusTable.bytes(maxBytes)
                + ") is more than the audit log's file system has free for it (" + StatusTable.bytes(free) + ", the log"
                + " holds " + StatusTable.bytes(held) + " in " + dir + "): the disk fills before the budget's steps"
                + " (20 %, 5 % left) and then every VM's requests are refused (EIO); lower --audit-max-bytes, or add"
                + " --audit-min-free (docs/audit-format.md, \"Disk budget\")");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // gone since the listing
        }
    }
}
