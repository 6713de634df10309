package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;

/**
 * What a fid holds on a file: the share it is in and the backend's handle on its inode. Opaque outside the guarded
 * layer, so that the operations layer can keep, clone and close it but reach the file only through
 * {@link GuardedFs} (docs/architecture.md, enforced by GatewayArchitectureTest).
 */
public final class FileHandle implements AutoCloseable {
    private final LocalShare share;
    private final Node node;

    FileHandle(LocalShare share, Node node) {
        this.share = share;
        this.node = node;
    }

    LocalShare share() {
        return share;
    }

    Node node() {
        return node;
    }

    /** Another reference to the same file, for a fid cloned from this one; each holder closes its own. */
    public FileHandle duplicate() throws P9Exception {
        return new FileHandle(share, node.share());
    }

    /** Gives back this holder's reference to the inode. */
    @Override
    public void close() {
        node.close();
    }
}
