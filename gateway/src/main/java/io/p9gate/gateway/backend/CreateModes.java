package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/**
 * Gives a just-created inode exactly the permission bits the guest asked for. The guest's kernel already
 * applied the guest's umask (or default ACL) before the request, so the gateway's own process umask - 022 from
 * the shell or unit that started it - must not clear group/other bits a second time (issue 15, cause 1: open
 * 0620 read back 0600, mkdir 0777 gave 0755). The umask is process-wide and cannot be switched per request on a
 * many-threaded server, so the mode is set again after the create, as QEMU's passthrough model does.
 */
final class CreateModes {
    private CreateModes() {}

    /**
     * Gives {@code node} the mode {@code mode & 07777}, given the stat taken just after the create: no chmod when the
     * umask (or a default ACL) cleared nothing, as with 0644 under 022 (a syscall saved on most creates, issue 11).
     */
    static void set(Node node, int mode, FileStat created) throws P9Exception {
        if ((created.mode() & 07777) != (mode & 07777)) {
            Inodes.chmod(node, mode);
        }
    }
}
