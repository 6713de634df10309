package io.p9gate.gateway.ops;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rwstat;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Twstat;
import java.util.Optional;

/**
 * Twstat of 9P2000 and 9P2000.u (stat(5) "wstat") as the 9P2000.L requests that do the same, each decided and
 * recorded as its twin: a new name is a Trename within the file's directory (decided as RENAME); mode, owner, group, length and times are one Tsetattr (one SETATTR decision for all of them). Fields that
 * say "don't touch" (~0 numbers, empty strings) change nothing; a wstat that touches nothing is a sync request
 * (a Tfsync through an open fid).
 *
 * <p>stat(5) wants all or nothing. Every field is checked before anything changes; then the rename comes first (it
 * can be refused for more reasons: the new name's rules, replacing a file), and the Tsetattr last, so a refused
 * rename changes nothing. A Tsetattr refused after the rename was made leaves the file renamed: the two are
 * separate host calls and the gateway cannot undo a rename the policy allowed.
 */
final class WstatOps {
    /** "Don't touch" for a u32 or u64 field: all bits set. */
    private static final int DONT_TOUCH = ~0;

    /** The .u type bits a wstat may not change (a file's type is fixed when it is created). */
    private static final int TYPE_BITS = Stat.DMDIR
            | Stat.DMSYMLINK
            | CreateOps.DMLINK
            | Stat.DMDEVICE
            | Stat.DMNAMEDPIPE
            | Stat.DMSOCKET
            | Stat.DMAPPEND
            | Stat.DMEXCL;

    private final OpsContext ctx;
    private final AttrOps attrs;

    WstatOps(OpsContext ctx, AttrOps attrs) {
        this.ctx = ctx;
        this.attrs = attrs;
    }

    Rwstat wstat(Twstat t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        Stat.Common c = t.stat().common();
        boolean unix = t.stat().unix().isPresent();
        // Any other name, the file's own included, is the rename's to decide: which name the file has now is not
        // looked at before that decision, else the answer to a guess would tell a guest holding a fid of a file the
        // host renamed (under a hidden or read-only path) whether it guessed the name. The root's "/" (as Tstat
        // shows it) is no secret and no name a rename could take: it changes nothing.
        String name = c.name();
        if (name.equals("/") && ctx.fs().isShareRoot(fid.handle())) {
            name = "";
        }
        SetAttr changes = changes(t, fid, unix, !name.isEmpty());
        if (!name.isEmpty() && changes.valid() != 0) {
            // What the Tsetattr would refuse before changing anything (a length beyond 2^63, a directory's length, a
            // symlink's mode, a device's owner, another VM's mapped special file's mode, a length past the quota, an
            // owner the VM's map does not map) must be refused, and recorded, before the rename too, and so must the
            // policy's refusal of that Tsetattr at the new name; changes() asked the guarded getattr. Without a rename
            // the Tsetattr checks them itself, decided and recorded.
            ctx.fs().requireSettable(fid.who(), fid.handle(), changes, name);
        }
        if (!name.isEmpty()) {
            // A name that is not one name (".", "..", one with '/') is the rename's to refuse, decided and recorded
            // as Trename's (rule invalid-name): nothing has changed before it.
            ctx.fs().renameInPlace(fid.who(), fid.handle(), name, replaces());
        }
        if (changes.valid() != 0) {
            ctx.fs().setattr(fid.who(), fid.handle(), changes);
        } else if (name.isEmpty()) {
            sync(t.fid(), fid);
        }
        return new Rwstat();
    }

    /**
     * stat(5)'s sync request, a wstat touching nothing (the Linux client's fsync(2) under 9P2000 and .u): through an
     * open fid it is the Tfsync it asks for; otherwise there is nothing to sync and it is asked as the Tgetattr the
     * fid could make. Either way it is decided and recorded, as every request is (R-AUD-1).
     */
    private void sync(int fidNo, Fid fid) throws P9Exception {
        FidState state = fid.state() instanceof FidState.OpenedByTopen t ? t.opened() : fid.state();
        if (state instanceof FidState.Opened(var file)) {
            ctx.fs().fsync(fid.who(), fid.handle(), file, false);
        } else {
            attrs.getattr(new TMessage.Tgetattr(fidNo, Attr.GETATTR_BASIC));
        }
    }

    /**
     * Whether a new name may replace an existing one. 9P2000: no, stat(5) makes it an error (EEXIST). 9P2000.u: yes,
     * as rename(2): the Linux client renames by this wstat alone and unlinks nothing first (fs/9p/vfs_inode.c,
     * v9fs_vfs_rename), QEMU's server replaces, and `mv -f src dst` under .u must work (posix.sh t_rename_over_file).
     */
    private boolean replaces() {
        return switch (ctx.connection().dialect()) {
            case U, L -> true;
            case LEGACY -> false;
        };
    }

    /**
     * Checks every attribute field and gathers them into one Tsetattr; nothing is changed here. {@code renames}: a
     * rename comes first, so the file is described by the guarded getattr before the caller checks that it can
     * take the fields (the guest may learn what it is).
     */
    private SetAttr changes(Twstat t, Fid fid, boolean unix, boolean renames) throws P9Exception {
        Stat.Common c = t.stat().common();
        Optional<Stat.Unix> u = t.stat().unix();
        int uid = id(c.uid(), u.map(Stat.Unix::nUid), "uid", fid);
        int gid = id(c.gid(), u.map(Stat.Unix::nGid), "gid", fid);
        boolean resizes = c.length() != -1L;
        boolean others =
                uid != DONT_TOUCH || gid != DONT_TOUCH || resizes || c.atime() != DONT_TOUCH || c.mtime() != DONT_TOUCH;
        // The file as the guarded getattr shows it, when a field must agree with its type.
        Attr now = c.mode() != DONT_TOUCH || renames && others
                ? attrs.getattr(new TMessage.Tgetattr(t.fid(), Attr.GETATTR_ALL))
                        .attr()
                : null;
        int valid = 0;
        int mode = 0;
        if (c.mode() != DONT_TOUCH) {
            // A file's type is fixed when it is made: read by the guarded getattr above, a change is refused and
            // recorded as the SETATTR it asks for (the getattr's allowed record alone read as a success).
            if ((c.mode() & TYPE_BITS) != (StatOps.mode(now.mode(), unix) & TYPE_BITS)) {
                throw ctx.fs().refusedTypeChange(fid.who(), fid.handle(), c.mode());
            }
            // Bits this dialect cannot set (9P2000's set-id bits, DMAUTH, DMMOUNT, DMTMP, undefined ones) are
            // refused, as Plan 9's servers refuse "unknown bits in mode": dropped, the guest was told of a chmod
            // that was not made.
            if ((c.mode() & ~(TYPE_BITS | settableBits(unix))) != 0) {
                throw ctx.fs().refusedModeBits(fid.who(), fid.handle(), c.mode());
            }
            mode = permissions(c.mode(), unix);
            valid |= SetAttr.SETATTR_MODE;
        }
        valid |= uid != DONT_TOUCH ? SetAttr.SETATTR_UID : 0;
        valid |= gid != DONT_TOUCH ? SetAttr.SETATTR_GID : 0;
        valid |= resizes ? SetAttr.SETATTR_SIZE : 0;
        // stat(5) times are seconds; a given time is set as given (the _SET bits), never "now".
        valid |= c.atime() != DONT_TOUCH ? SetAttr.SETATTR_ATIME | SetAttr.SETATTR_ATIME_SET : 0;
        valid |= c.mtime() != DONT_TOUCH ? SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET : 0;
        return new SetAttr(
                valid,
                mode,
                uid,
                gid,
                c.length(),
                Integer.toUnsignedLong(c.atime()),
                0,
                Integer.toUnsignedLong(c.mtime()),
                0);
    }

    /** The mode bits a wstat can set: the permissions, in .u also set-uid, set-gid and sticky. */
    private static int settableBits(boolean unix) {
        return unix ? 0777 | Stat.DMSETUID | Stat.DMSETGID | StatOps.DMSETVTX : 0777;
    }

    /** The permission bits of a wstat mode or a create's perm (in .u also set-uid, set-gid and sticky). */
    static int permissions(int mode, boolean unix) {
        int perm = mode & 0777;
        if (unix) {
            perm |= (mode & Stat.DMSETUID) != 0 ? 04000 : 0;
            perm |= (mode & Stat.DMSETGID) != 0 ? 02000 : 0;
            perm |= (mode & StatOps.DMSETVTX) != 0 ? 01000 : 0;
        }
        return perm;
    }

    /**
     * An owner or group: .u's number if given, else stat(5)'s name, which must be a number as the gateway shows
     * them (decimal text of the guest id): there is no name table, so any other name is EINVAL, recorded (rule
     * owner-name).
     */
    private int id(String name, Optional<Integer> number, String field, Fid fid) throws P9Exception {
        if (number.isPresent() && number.get() != DONT_TOUCH) {
            return number.get();
        }
        if (name.isEmpty()) {
            return DONT_TOUCH;
        }
        // ASCII digits only, as Tstat spells an id: parseUnsignedInt alone also takes a '+' and any script's digits.
        if (name.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            try {
                int id = Integer.parseUnsignedInt(name);
                if (id != DONT_TOUCH) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // past 2^32: below
            }
        }
        throw ctx.fs().refusedOwnerName(fid.who(), fid.handle(), field, name);
    }
}
