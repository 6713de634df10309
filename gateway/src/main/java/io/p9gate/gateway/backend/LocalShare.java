package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Path;

/** One exported directory and the confined operations on it. */
public record LocalShare(
        String name, ShareRoot root, Entries entries, FileIo io, DirReader dirs, RemovedShareDirectory removed)
        implements AutoCloseable {

    public static LocalShare open(String name, Path directory, QidMapper qids) throws P9Exception {
        return of(name, ShareRoot.open(directory, qids), directory);
    }

    /** As above, following only the admin's symlinks on its path, none inside a share ({@link AdminSymlinksOnly}). */
    public static LocalShare open(String name, Path directory, QidMapper qids, AdminSymlinksOnly paths)
            throws P9Exception {
        return of(name, ShareRoot.open(directory, qids, paths), directory);
    }

    /** Opened before any guest is served: what a stopped gateway left while making entries is swept first. */
    private static LocalShare of(String name, ShareRoot root, Path directory) {
        MakingLeftovers.sweep(name, root.rootNode(), directory.toString());
        return new LocalShare(
                name,
                root,
                new Entries(root),
                new FileIo(root),
                new DirReader(root),
                new RemovedShareDirectory(name, directory.toString(), root.rootNode(), root.mountId()));
    }

    /**
     * The root handle and its stat for a new Tattach.
     *
     * @throws P9Exception ESTALE if the host removed the share's directory, unmounted its file system, mounted
     *     another over it or changed an admin's symlink on its path ({@link RemovedShareDirectory})
     */
    public ShareRoot.Found attachRoot() throws P9Exception {
        Node node = root.root();
        try {
            FileStat stat = Inodes.stat(node);
            // As the gateway: under permissions: enforce a guest's host user may not search the path's directories.
            HostCredentials.asGateway(() -> {
                removed.requireReachable(node, stat);
                return null;
            });
            return new ShareRoot.Found(node, stat);
        } catch (P9Exception | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    @Override
    public void close() {
        root.close();
    }
}
