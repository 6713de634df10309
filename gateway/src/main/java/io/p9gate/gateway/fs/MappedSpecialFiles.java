package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.MappedSpecialFile;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;
import java.util.Optional;

/**
 * Ownership in a share that stores special files mapped ({@code devices: mapped}): the host file of a
 * {@link MappedSpecialFile} keeps mode 0600 for good, so the guest's permission bits live in the mapping, and the
 * guest sees the special file's type, bits and rdev. Everything else is the VM's own {@link Ownership}.
 */
record MappedSpecialFiles(Ownership inner) implements Ownership {
    @Override
    public void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception {
        inner.created(node, made, uid, gid, mode);
    }

    @Override
    public void chown(Node node, int uid, int gid) throws P9Exception {
        inner.chown(node, uid, gid);
    }

    @Override
    public void chmod(Node node, int mode) throws P9Exception {
        Optional<MappedSpecialFile> special = MappedSpecialFile.of(node);
        if (special.isPresent()) {
            special.get().withPerms(mode).store(node);
        } else {
            inner.chmod(node, mode);
        }
    }

    @Override
    public FileStat shown(Node node, FileStat host) throws P9Exception {
        FileStat shown = inner.shown(node, host);
        Optional<MappedSpecialFile> special = MappedSpecialFile.of(node, host);
        return special.isPresent() ? special.get().shown(shown) : shown;
    }
}
