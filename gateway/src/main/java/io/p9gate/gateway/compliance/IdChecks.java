package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The VM's uid/gid map (R-POL-5), seen from both sides: a file the VM creates shows the ids the map gives
 * back (guest id -> host id -> guest id), the host inode carries the mapped host ids (or, with an
 * unprivileged gateway, the host ids in its ownership xattrs), and every entry the VM sees shows its host
 * owner mapped to the guest.
 */
final class IdChecks {
    /** Most entries compared with the host in one share: enough to show a shifted range, cheap on a big share. */
    private static final int MAX_COMPARED = 500;

    private IdChecks() {}

    /** The suite's own file: guest view and host inode. */
    static void created(CheckLog log, Probing p, String idPrefix, Optional<HostShare> host) throws IOException {
        GuestSession s = p.session();
        IdMap ids = s.oracle().engine().idMap(s.oracle().vm());
        long hostUid = ids.uidToHost(s.uid());
        long hostGid = ids.gidToHost(s.gid());
        long shownUid = ids.uidToGuest(hostUid);
        long shownGid = ids.gidToGuest(hostGid);
        SharePath file = p.ownFile();
        Attempt a = new Attempt(
                log,
                s,
                idPrefix + "/ids-shown",
                p.share(),
                "R-POL-5",
                "a file created as uid " + s.uid()
                        + ", gid " + s.gid() + " shows uid " + shownUid + ", gid " + shownGid + " (host " + hostUid
                        + ":" + hostGid
                        + ")");
        Form.withFid(p, a, file, fid -> {
            Step attr = a.probe(s.getattr(fid));
            if (attr.ok()) {
                Attr got = ((RMessage.Rgetattr) attr.reply().message()).attr();
                if (Integer.toUnsignedLong(got.uid()) != shownUid || Integer.toUnsignedLong(got.gid()) != shownGid) {
                    a.fail("tgetattr shows " + Integer.toUnsignedLong(got.uid()) + ":"
                            + Integer.toUnsignedLong(got.gid()));
                }
            }
        });
        a.finishIfOpen();

        Attempt h = new Attempt(
                log,
                s,
                idPrefix + "/ids-host",
                p.share(),
                "R-POL-5",
                "the host inode of " + file + " is owned by " + hostUid + ":" + hostGid
                        + " (or keeps them in user.p9gate.host-* xattrs)");
        if (host.isEmpty()) {
            h.skip("cannot read the share's directory on this host (run the suite where the gateway runs, "
                    + "with read access to its shares)");
            return;
        }
        Optional<HostShare.Owner> owner = host.get().owner(file);
        if (owner.isEmpty()) {
            h.skip("cannot stat " + host.get().dir() + file);
        } else if (owner.get().stored()) {
            boolean same = Long.valueOf(hostUid).equals(owner.get().storedUid())
                    && Long.valueOf(hostGid).equals(owner.get().storedGid());
            if (same) {
                h.pass("ownership kept in xattrs (unprivileged gateway)");
            } else {
                h.fail("user.p9gate.host-uid/gid hold " + owner.get().storedUid() + ":"
                        + owner.get().storedGid());
            }
        } else if (owner.get().hostUid() == hostUid && owner.get().hostGid() == hostGid) {
            h.pass("");
        } else {
            h.fail("the host inode is owned by " + owner.get().hostUid() + ":"
                    + owner.get().hostGid());
        }
    }

    /**
     * Entries the VM saw: each shows its host owner (the stored host ids of an unprivileged gateway, else the
     * inode's) mapped to the guest; entries with only the older stored guest ids aside, which no map can check.
     */
    static void existing(CheckLog log, Probing p, String idPrefix, Optional<HostShare> host) {
        GuestSession s = p.session();
        IdMap ids = s.oracle().engine().idMap(s.oracle().vm());
        Attempt a = new Attempt(
                log,
                s,
                idPrefix + "/ids-existing",
                p.share(),
                "R-POL-5",
                "entries show their host owners through the map");
        if (host.isEmpty()) {
            a.skip("cannot read the share's directory on this host (run the suite where the gateway runs, "
                    + "with read access to its shares)");
            return;
        }
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        for (ShareView.Entry e : p.view().entries().values()) {
            if (compared >= MAX_COMPARED) {
                break;
            }
            Optional<HostShare.Owner> owner = host.get().owner(e.path());
            if (owner.isEmpty() || owner.get().legacy()) {
                continue;
            }
            compared++;
            long uid = ids.uidToGuest(owner.get().ownerUid());
            long gid = ids.gidToGuest(owner.get().ownerGid());
            if (e.uid() != uid || e.gid() != gid) {
                wrong.add(e.path() + " (host " + owner.get().ownerUid() + ":"
                        + owner.get().ownerGid() + ") shows " + e.uid() + ":" + e.gid() + ", the map says " + uid + ":"
                        + gid);
            }
        }
        if (compared == 0) {
            a.skip("no entry the VM can see has host ids to compare (none, or all keep older guest ids in xattrs)");
        } else if (wrong.isEmpty()) {
            a.pass(compared + " entries compared");
        } else {
            a.fail(wrong.size() + " of " + compared + " entries: "
                    + String.join("; ", wrong.subList(0, Math.min(5, wrong.size()))));
        }
    }
}
