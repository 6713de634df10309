package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The directory on a share's path the gateway may not search, for the line that refuses a start: a share that cannot
 * be opened for EACCES says where (a guest of an outer share may chmod 000 the directory above a nested share).
 */
public final class UnsearchableDirectory {
    private UnsearchableDirectory() {}

    /** The first directory on {@code path}, from the top, that the gateway may not search, if one is. */
    public static Optional<Path> on(Path path) {
        Path absolute = path.toAbsolutePath();
        Path at = absolute.getRoot();
        for (Path name : absolute) {
            at = at.resolve(name);
            try {
                Inodes.statOfHostPath(at + "/.");
            } catch (P9Exception e) {
                if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
                    return Optional.of(at);
                }
                if (e.errno() != Errno.ENOTDIR) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
