package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Ownership on the host inode: guest ids are mapped to host ids and the gateway chowns (it needs
 * CAP_CHOWN); getattr maps the host ids back. With {@link IdTranslation#IDENTITY} this is the
 * gateway's behaviour without a policy.
 */
public record ChownedIds(IdTranslation ids) implements Ownership {
    /** Guest ids are host ids. */
    public static final ChownedIds UNMAPPED = new ChownedIds(IdTranslation.IDENTITY);

    private static final boolean PRIVILEGED = LinuxSyscalls.geteuid() == 0;

    /**
     * Gives a new file to the guest user when the gateway may chown. Without CAP_CHOWN (e.g. uid 0
     * inside a user namespace) it stays the gateway's, as when running unprivileged: the file
     * exists already, so failing the request here would only hide it from the guest.
     */
    @Override
    public void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception {
        int hostUid = ids.uidToHost(uid);
        int hostGid = ids.gidToHost(gid);
        if (PRIVILEGED) {
            // A chown to the ids the file already has (the gateway's own, often) is a needless
            // syscall and inode update on every create: seen profiling the metadata benchmark.
            FileStat stat = made != null ? made : Inodes.stat(node);
            if (stat.uid() == hostUid && stat.gid() == hostGid) {
                return;
            }
            try {
                Inodes.chown(node, hostUid, hostGid);
            } catch (P9Exception e) {
                if (e.errno() != Errno.EPERM && e.errno() != Errno.EINVAL) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void chown(Node node, int uid, int gid) throws P9Exception {
        Inodes.chown(node, uid == -1 ? -1 : ids.uidToHost(uid), gid == -1 ? -1 : ids.gidToHost(gid));
    }

    @Override
    public void chmod(Node node, int mode) throws P9Exception {
        Inodes.chmod(node, mode);
    }

    @Override
    public boolean mapsHostOwner(Node node, FileStat host, boolean group) {
        return group ? ids.mapsHostGid(host.gid()) : ids.mapsHostUid(host.uid());
    }

    @Override
    public FileStat owned(Node node, FileStat host) {
        return host;
    }

    @Override
    public FileStat shown(Node node, FileStat host) {
        return host.shownAs(host.mode(), ids.uidToGuest(host.uid()), ids.gidToGuest(host.gid()), host.rdev());
    }
}
