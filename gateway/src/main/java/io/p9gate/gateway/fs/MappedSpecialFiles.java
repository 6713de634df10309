package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.MappedSpecialFile;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.Optional;

/**
 * Ownership in a share that stores special files mapped ({@code devices: mapped}): the host file of a
 * {@link MappedSpecialFile} keeps mode 0600 for good, so the guest's permission bits live in the mapping, and the
 * guest sees the special file's type, bits and rdev. Everything else is the VM's own {@link Ownership}. Only the
 * VM that made a mapping ({@code vm}) is shown it; to every other VM the file is what the host holds, an empty
 * regular file, in every view (getattr, 9P2000.u stat, open), as readdir's d_type and the qid already show it.
 */
record MappedSpecialFiles(Ownership inner, String vm, boolean ownsOldMappings) implements Ownership {
    @Override
    public void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception {
        inner.created(node, made, uid, gid, mode);
    }

    @Override
    public IdTranslation ids() {
        return inner.ids();
    }

    @Override
    public void chown(Node node, int uid, int gid) throws P9Exception {
        inner.chown(node, uid, gid);
    }

    @Override
    public void chmod(Node node, int mode) throws P9Exception {
        Optional<MappedSpecialFile> mapped = chmodded(node);
        if (mapped.isPresent()) {
            mapped.get().withPerms(mode).of(vm).store(node);
        } else {
            inner.chmod(node, mode);
        }
    }

    @Override
    public void requireChmod(Node node) throws P9Exception {
        chmodded(node);
    }

    /** This VM's special file a chmod changes the mapping of, if any; EPERM for another VM's. */
    private Optional<MappedSpecialFile> chmodded(Node node) throws P9Exception {
        Optional<MappedSpecialFile> mapped = MappedSpecialFile.of(node, Inodes.stat(node));
        if (mapped.isPresent() && !mapped.get().shownTo(vm, ownsOldMappings)) {
            // Another VM's special file: the host file's mode stays 0600, or its mapping would stop being one.
            throw new P9Exception(Errno.EPERM, "a special file another VM made");
        }
        return mapped;
    }

    @Override
    public boolean mapsHostOwner(Node node, FileStat host, boolean group) throws P9Exception {
        return inner.mapsHostOwner(node, host, group);
    }

    @Override
    public FileStat owned(Node node, FileStat host) throws P9Exception {
        return inner.owned(node, host);
    }

    @Override
    public FileStat shown(Node node, FileStat host) throws P9Exception {
        FileStat shown = inner.shown(node, host);
        Optional<MappedSpecialFile> special = special(node, host);
        return special.isPresent() ? special.get().shown(shown) : shown;
    }

    /** The special file this VM is shown for {@code node}, if any (one statx, and a getxattr for a 0600 file). */
    Optional<MappedSpecialFile> special(Node node) throws P9Exception {
        return special(node, Inodes.stat(node));
    }

    private Optional<MappedSpecialFile> special(Node node, FileStat host) throws P9Exception {
        return MappedSpecialFile.of(node, host).filter(s -> s.shownTo(vm, ownsOldMappings));
    }
}
