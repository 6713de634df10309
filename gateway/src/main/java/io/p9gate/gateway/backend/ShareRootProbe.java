package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/**
 * What {@link ShareRoot#open} asks of a share's directory before serving it: its filesystem type and its inode
 * flags. A seam only so tests can present filesystems this host cannot mount; production uses {@link #HOST}.
 */
interface ShareRootProbe {
    /** statfs(2)'s f_type of the filesystem {@code root} is on. */
    long filesystemType(Node root) throws P9Exception;

    /** The directory's inode flags (FS_*_FL), 0 where the filesystem keeps none. */
    int inodeFlags(Node root) throws P9Exception;

    ShareRootProbe HOST = new ShareRootProbe() {
        @Override
        public long filesystemType(Node root) throws P9Exception {
            return Inodes.filesystemType(root);
        }

        @Override
        public int inodeFlags(Node root) throws P9Exception {
            return Inodes.directoryFlags(root);
        }
    };
}
