package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Takes back a file a Tlcreate made when the create fails after the file exists (its mode or owner could not be
 * given: on a full file system the owner's xattrs may not fit where the file did). Left there, the guest would
 * have been told the create failed while the host kept a file under its name, owned by the gateway's user rather
 * than any guest's, and counted by no quota.
 *
 * <p>Only the file made is ever unlinked. Another session, or another VM sharing the folder, may rename its own
 * entry onto the name at any moment, so the name is not unlinked after a check (the rename could fall in between,
 * and that entry's data would go). The file is first moved aside to a fresh {@link Names#ASIDE_PREFIX} name,
 * which no guest request can name, and unlinked there only once that name is seen to hold the inode made; an entry
 * moved aside instead is renamed back.
 */
final class UnmadeFile {
    private UnmadeFile() {}

    /** Test seam: see {@link #afterCheck(Runnable)}. */
    private static volatile Runnable afterCheck;

    /**
     * Test seam (UnmadeFileRaceTest): {@code hook} runs once the name was found to still name the file made and
     * before that file is taken back, the window a rename onto the name aims at; null removes it.
     */
    static void afterCheck(Runnable hook) {
        afterCheck = hook;
    }

    /**
     * Removes the file whose creation stat is {@code made} if {@code name} in {@code dir} still names it.
     *
     * @return whether it did: if not, the file lives on under some name, or its name went through another request
     *     (renamed away, replaced, unlinked), which a quota counted as the removal of a file made
     */
    static boolean remove(Node dir, String name, FileStat made) {
        try {
            if (!Inodes.statAt(dir, name).key().equals(made.key())) {
                return false; // renamed away, or replaced: what is there now is not the gateway's to remove
            }
            Runnable hook = afterCheck;
            if (hook != null) {
                hook.run();
            }
            String aside = Entries.asideName();
            dir.use(fd -> {
                moveAside(fd, name, aside);
                return null;
            });
            boolean ours = Inodes.statAt(dir, aside).key().equals(made.key());
            dir.use(fd -> {
                if (ours) {
                    LinuxSyscalls.unlinkat(fd, aside, 0);
                } else {
                    // Renamed onto the name after the check: it goes back, unless the name was taken again since
                    // (then it stays under the reserved name, where the operator finds it: docs/filesystem.md).
                    Entries.renameNoReplace(fd, aside, name);
                }
                return null;
            });
            return ours;
        } catch (P9Exception e) {
            // Gone already, or the file system refuses even this: the create's own error is what the guest gets.
            return false;
        }
    }

    /**
     * {@code name} becomes {@code aside}. Without RENAME_NOREPLACE (NFS, some FUSE) a plain rename: nothing else can
     * be at a fresh reserved name of 128 random bits, so it replaces nothing.
     */
    private static void moveAside(int dirfd, String name, String aside) throws P9Exception {
        try {
            Entries.renameNoReplace(dirfd, name, aside);
        } catch (P9Exception e) {
            if (e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
            LinuxSyscalls.renameat2(dirfd, name, dirfd, aside, 0);
        }
    }
}
