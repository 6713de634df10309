package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.OpenFlags;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Subject;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rcreate;
import io.p9gate.gateway.proto.RMessage.Rlcreate;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Tcreate;

/**
 * Tcreate of 9P2000 and 9P2000.u (create(5)), as the 9P2000.L requests that do the same: a file is a Tlcreate
 * with O_EXCL, a directory (DMDIR) a Tmkdir, and in .u a symlink (DMSYMLINK), device (DMDEVICE), named pipe or
 * socket a Tsymlink or Tmknod, a hard link (DMLINK, the Linux client's "fid\n" extension) a Tlink; each is decided
 * and recorded as its twin. create(5): the new file's group is the directory's (where the share enforces host
 * permissions, the request's own unless the directory is set-gid: {@code GuardedFs#groupOfUnnamedCreate}), its permissions are those asked
 * for within the directory's (0666 for files, 0777 for directories), and the fid becomes the new file, opened with
 * the mode given (a directory's open is a Topen; special files are only walked to: they are not opened on the host),
 * a file or directory created with ORCLOSE being removed when its fid is clunked, as a Topen'ed one.
 */
final class CreateOps {
    /** 9P2000.u: a hard link, the extension naming the existing file's fid (Linux include/net/9p/9p.h P9_DMLINK). */
    static final int DMLINK = 0x01000000;

    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_ISGID = 02000;
    private static final int UNIX_TYPES = Stat.DMSYMLINK | DMLINK | Stat.DMDEVICE | Stat.DMNAMEDPIPE | Stat.DMSOCKET;

    private final OpsContext ctx;
    private final IoOps io;
    private final AttrOps attrs;

    CreateOps(OpsContext ctx, IoOps io, AttrOps attrs) {
        this.ctx = ctx;
        this.io = io;
        this.attrs = attrs;
    }

    Rcreate create(Tcreate t) throws P9Exception {
        boolean unix = switch (ctx.connection().dialect()) {
            case U -> true;
            case L, LEGACY -> false;
        };
        // Before anything is made: the directory and special-file paths below walk the fid onto what they made,
        // which on an open fid would drop its open file (and an ORCLOSE's removal) after the change was done.
        Fid at = ctx.fids().get(t.fid());
        int special = t.perm() & UNIX_TYPES;
        boolean directory = (t.perm() & Stat.DMDIR) != 0;
        if (!(at.state() instanceof FidState.Walked)) {
            Operation asked = directory ? Operation.MKDIR : special != 0 ? askedFor(t.perm()) : Operation.CREATE;
            throw ctx.fs().refusedOpenFid(at.who(), at.handle(), asked, t.name());
        }
        if (special != 0 && !unix) { // 9P2000 has no special files
            throw ctx.fs().refusedFileType(at.who(), at.handle(), askedFor(t.perm()), t.name(), t.perm());
        }
        // Bits that would make the file other than the one made (DMAPPEND, DMEXCL, DMAUTH, DMTMP, 9P2000's set-id
        // bits, undefined ones) are refused, as a wstat's are: dropped, the guest was told of a file never made. So is
        // a second file type: one file is made (DMDIR|DMSYMLINK made a directory and dropped the target).
        if ((t.perm() & ~creatableBits(unix)) != 0 || Integer.bitCount(t.perm() & (Stat.DMDIR | UNIX_TYPES)) > 1) {
            Operation asked = directory ? Operation.MKDIR : special != 0 ? askedFor(t.perm()) : Operation.CREATE;
            throw ctx.fs().refusedCreateModeBits(at.who(), at.handle(), asked, t.name(), t.perm());
        }
        // A hard link to a fid the session does not hold is the Tlink's unknown fid: EBADF and not recorded, as for
        // any request (docs/filesystem.md), checked before the directory's getattr, whose allowed record read as the
        // answer. An extension that is no fid at all is refused (and recorded) below.
        if (!directory && special != 0 && askedFor(t.perm()) == Operation.LINK) {
            long linked = number(t.extension().orElse("").strip());
            if (linked >= 0) {
                ctx.fids().get((int) linked);
            }
        }
        // open(5): a directory is never opened to write or truncate; refused before it is made, not after.
        if (directory && !OpenFlags.opensDirectory(t.mode())) {
            throw ctx.fs().refusedDirectoryOpenMode(at.who(), at.handle(), t.name(), t.mode());
        }
        // A special file or hard link is not opened (the fid becomes the entry), so no clunk would remove it: ORCLOSE
        // is refused before it is made, not dropped (answered Rcreate, the entry stayed, its removal never asked).
        if (special != 0 && OpenFlags.removesOnClunk(t.mode())) {
            throw ctx.fs().refusedSpecialOpenMode(at.who(), at.handle(), askedFor(t.perm()), t.name(), t.mode());
        }
        Attr dir =
                attrs.getattr(new TMessage.Tgetattr(t.fid(), Attr.GETATTR_ALL)).attr();
        // create(5)'s permission rule, then in .u the set-id and sticky bits asked, as Tlcreate and Tmkdir keep them
        // (dropped, a .u guest's open(O_CREAT, 02755) or mkdir(01777) answered for bits never given).
        int perm = WstatOps.permissions(
                t.perm() & (directory ? ~0777 | (dir.mode() & 0777) : ~0666 | (dir.mode() & 0666)), unix);
        if (directory) {
            // mkdir(2) in a set-gid directory makes a set-gid one, so that what is made below keeps the group; the
            // Linux client asks it in a .L Tmkdir, and a .u or 9P2000 Tcreate's directory lost it.
            perm |= dir.mode() & S_ISGID;
        }
        int gid = ctx.fs().groupOfUnnamedCreate(at.who(), at.handle(), dir.gid(), dir.mode());
        // create(5) opens with the mode given, and open(5) makes the removal's permission ORCLOSE's: the file and
        // directory creates below ask it before making anything, not leaving it to the clunk, which would leave it.
        if (directory) {
            return io.mkdirOpened(t, perm, gid);
        }
        if (special != 0) {
            return special(at, t, perm, gid);
        }
        Rlcreate created = io.lcreate(
                new TMessage.Tlcreate(
                        t.fid(), t.name(), OpenFlags.dotlFromOpenMode(t.mode(), unix) | OpenFlags.P9_EXCL, perm, gid),
                OpenFlags.removesOnClunk(t.mode()));
        return new Rcreate(created.qid(), created.iounit());
    }

    /**
     * A symlink, hard link, device or fifo/socket, made as the Tsymlink, Tlink or Tmknod that makes it, and the fid
     * moved onto it under that one decision (create(5): the fid becomes the new file; its qid, for a hard link the
     * linked file's). Not a Twalk decided after the make: where the VM may make but not walk (a drop box) that
     * answered EACCES for an entry it had made.
     */
    private Rcreate special(Fid at, Tcreate t, int perm, int gid) throws P9Exception {
        try (Fids.Held claim = ctx.fids().hold(t.fid(), at)) {
            GuardedFs.Walked made = made(at, t, perm, gid, claim);
            if (claim.complete(Fid.walked(made.handle(), at.who()))) {
                at.release(ctx.locks());
            } else {
                // Let go of by the session's end meanwhile, which released the directory's fid.
                GuardedFs.Result.releaseUnrecorded(made);
            }
            return new Rcreate(made.qids().getFirst(), 0);
        }
    }

    private GuardedFs.Walked made(Fid at, Tcreate t, int perm, int gid, GuardedFs.Claim claim) throws P9Exception {
        String ext = t.extension().orElse("");
        Subject who = at.withGid(gid);
        if ((t.perm() & Stat.DMSYMLINK) != 0) {
            return ctx.fs().symlinkOnto(who, at.handle(), t.name(), ext, gid, claim);
        }
        if ((t.perm() & DMLINK) != 0) {
            long linked = number(ext.strip());
            if (linked < 0) {
                throw ctx.fs().refusedExtension(at.who(), at.handle(), Operation.LINK, t.name(), ext);
            }
            Fid target = ctx.fids().get((int) linked);
            return ctx.fs().linkOnto(at.who(), at.handle(), target.handle(), t.name(), claim);
        }
        if ((t.perm() & Stat.DMDEVICE) != 0) {
            String[] f = ext.trim().split(" +");
            long major = f.length == 3 ? number(f[1]) : -1;
            long minor = f.length == 3 ? number(f[2]) : -1;
            if (!(f[0].equals("b") || f[0].equals("c")) || major < 0 || minor < 0) {
                throw ctx.fs().refusedExtension(at.who(), at.handle(), Operation.MKNOD, t.name(), ext);
            }
            int type = f[0].equals("b") ? S_IFBLK : S_IFCHR;
            return ctx.fs().mknodOnto(who, at.handle(), t.name(), type | perm, (int) major, (int) minor, gid, claim);
        }
        int type = (t.perm() & Stat.DMNAMEDPIPE) != 0 ? S_IFIFO : S_IFSOCK;
        return ctx.fs().mknodOnto(who, at.handle(), t.name(), type | perm, 0, 0, gid, claim);
    }

    /** The perm bits a Tcreate can honour: the permissions and DMDIR, in .u also the file types and set-id bits. */
    private static int creatableBits(boolean unix) {
        return unix
                ? Stat.DMDIR | UNIX_TYPES | Stat.DMSETUID | Stat.DMSETGID | StatOps.DMSETVTX | 0777
                : Stat.DMDIR | 0777;
    }

    /** The 9P2000.L request a .u file type asks for, as {@link #special} makes it. */
    private static Operation askedFor(int perm) {
        if ((perm & Stat.DMSYMLINK) != 0) {
            return Operation.SYMLINK;
        }
        return (perm & DMLINK) != 0 ? Operation.LINK : Operation.MKNOD;
    }

    /**
     * Decimal ASCII digits that fit in 32 bits unsigned, as the Linux client writes a fid or a device number, else
     * -1: parseUnsignedInt alone takes a '+' and any script's digits.
     */
    private static long number(String text) {
        if (text.isEmpty() || !text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return -1;
        }
        try {
            return Integer.toUnsignedLong(Integer.parseUnsignedInt(text));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
