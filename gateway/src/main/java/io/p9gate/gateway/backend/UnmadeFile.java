package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/**
 * Takes back a file a Tlcreate made when the create fails after the file exists (its mode or owner could not be
 * given: on a full file system the owner's xattrs may not fit where the file did). Left there, the guest would
 * have been told the create failed while the host kept a file under its name, owned by the gateway's user rather
 * than any guest's, and counted by no quota. The name is unlinked only while it still names the inode made: a
 * rename onto it since is another entry, which stays.
 */
final class UnmadeFile {
    private UnmadeFile() {}

    /** Unlinks {@code name} in {@code dir} if it is still the file whose creation stat is {@code made}. */
    static void remove(Node dir, String name, FileStat made) {
        try {
            if (!Inodes.statAt(dir, name).key().equals(made.key())) {
                return;
            }
            dir.use(fd -> {
                LinuxSyscalls.unlinkat(fd, name, 0);
                return null;
            });
        } catch (P9Exception e) {
            // Gone already, or the file system refuses even this: the create's own error is what the guest gets.
        }
    }
}
