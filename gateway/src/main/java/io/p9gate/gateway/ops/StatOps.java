package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rdirread;
import io.p9gate.gateway.proto.RMessage.Rstat;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Tstat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Tstat of 9P2000 and 9P2000.u, and their directory reads: the guarded getattr (the same decision and audit record as Tgetattr), shown as a
 * stat(5) entry. Owner and group are names in stat(5); the gateway shows the numeric ids Tgetattr would show, as
 * decimal text, and .u's n_uid/n_gid carry the same numbers.
 */
final class StatOps {
    /** st_mode's set-id and sticky bits. */
    private static final int S_ISUID = 04000;

    private static final int S_ISGID = 02000;
    private static final int S_ISVTX = 01000;
    /** 9P2000.u: the sticky bit (Linux include/net/9p/9p.h P9_DMSETVTX). */
    static final int DMSETVTX = 0x00010000;

    /** st_mode's file types (the backend's are not for operations to use: docs/architecture.md). */
    private enum FileType {
        REGULAR,
        DIRECTORY,
        SYMLINK,
        FIFO,
        SOCKET,
        CHAR_DEVICE,
        BLOCK_DEVICE;

        static FileType ofMode(int mode) {
            return switch (mode & 0170000) {
                case 0040000 -> DIRECTORY;
                case 0120000 -> SYMLINK;
                case 0010000 -> FIFO;
                case 0140000 -> SOCKET;
                case 0020000 -> CHAR_DEVICE;
                case 0060000 -> BLOCK_DEVICE;
                default -> REGULAR;
            };
        }
    }

    /** The latest time Tstat shows: one before ~0, which a Twstat takes for "don't touch". */
    private static final long LAST_SECOND = 0xFFFF_FFFEL;

    /** size[4] type[1] tag[2] and nstat[2] before the stat entry in Rstat. */
    private static final int RSTAT_HEADER = Frame.HEADER_SIZE + 2;

    private final OpsContext ctx;

    StatOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rstat stat(Tstat t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        GuardedFs.Described described = ctx.fs().getattr(fid.who(), fid.handle());
        Attr s = described.attr();
        // stat(5)'s name: the last path element ("/" for the root) of the path getattr was decided and recorded on.
        // Asked of the host again, a name it removed meanwhile failed a reply whose record said it was answered
        // (adversarial.LegacyErrorTextAttackTest, when the watcher had not yet seen the host's unlink).
        String name = GuardedFs.statName(described.path());
        Stat entry = entry(name, s, "");
        if (FileType.ofMode(s.mode()) != FileType.SYMLINK || !unix()) {
            return new Rstat(entry);
        }
        // The target is the only field the host can make longer than msize (a name is at most 255 bytes): one the
        // reply cannot carry is refused EIO by the readlink, so its record says the EIO the guest gets.
        int room = ctx.connection().msize() - RSTAT_HEADER - entry.wireSize();
        return new Rstat(entry(name, s, ctx.fs().readlink(fid.who(), fid.handle(), room)));
    }

    /**
     * Tread of a directory opened by Topen (read(5)): the guarded directory listing (one READDIR decision and
     * record, hidden names left out as in Treaddir), each entry as a whole stat(5) entry; an entry that does not
     * fit is left for the next read, which must start where this one ended (an empty reply if not even one fits). A symlink's target is not read for a
     * listing (it would be a READLINK of every link): its extension is empty there and Tstat of the link shows it.
     */
    Rdirread readDirectory(Fid fid, FidState.Opened opened, StatListing listing, long offset, int count)
            throws P9Exception {
        OptionalLong at = listing.cookieAt(offset);
        if (at.isEmpty()) {
            // EINVAL, as read(5) allows; refused by the choke point so that the log has the Tread the guest was
            // told EINVAL for (it had none: adversarial.LegacyDirectoryOffsetRecordAttackTest).
            throw ctx.fs().refusedDirectoryOffset(fid.who(), fid.handle(), offset);
        }
        long cookie = at.getAsLong();
        // stat(5) entries are at least twice as long as Treaddir's for the same names: list no more than fits, but
        // always room for one Treaddir entry of the longest name, so that a small count still gets an answer.
        List<GuardedFs.ListedEntry> listed = ctx.fs()
                .readdirDescribed(
                        fid.who(),
                        fid.handle(),
                        opened.file(),
                        offset,
                        cookie,
                        Math.max(count / 2, DirEntry.LONGEST_WIRE_SIZE));
        List<Stat> entries = new ArrayList<>(listed.size());
        int bytes = 0;
        long next = cookie;
        for (GuardedFs.ListedEntry e : listed) {
            Stat stat = entry(e.name(), e.attr(), "");
            if (bytes + stat.wireSize() > count) {
                break;
            }
            entries.add(stat);
            bytes += stat.wireSize();
            next = e.cookie();
        }
        // A count too small for the next entry gets an empty reply, as QEMU's 9p server answers: the Linux client
        // fills its buffer with further Treads of what is left of it, and an error there failed the whole
        // getdents (a directory of 10,000 entries listed nothing); an empty reply ends only that fill.
        listing.read(offset, cookie, bytes, next);
        return new Rdirread(entries);
    }

    private boolean unix() {
        return switch (ctx.connection().dialect()) {
            case U -> true;
            case L, LEGACY -> false;
        };
    }

    /** A stat(5) entry of what getattr shows; {@code target} is a symlink's .u extension. */
    private Stat entry(String name, Attr s, String target) {
        FileType type = FileType.ofMode(s.mode());
        boolean unix = unix();
        var common = new Stat.Common(
                0,
                0,
                s.qid(),
                mode(s.mode(), type, unix),
                seconds(s.atimeSec()),
                seconds(s.mtimeSec()),
                type == FileType.DIRECTORY ? 0 : s.size(),
                name,
                Integer.toUnsignedString(s.uid()),
                Integer.toUnsignedString(s.gid()),
                "");
        Optional<Stat.Unix> tail = unix
                ? Optional.of(new Stat.Unix(
                        extension(type, s.rdev(), s.nlink(), target), s.uid(), s.gid(), TMessage.NONUNAME))
                : Optional.empty();
        return new Stat(common, tail);
    }

    /**
     * stat(5)'s unsigned 32-bit seconds of a host time: one outside them is the nearest one, 0 or 2106, not its low 32
     * bits (a host file of 1960 was shown as of 2096, one of 2200 as of 2063). The last is 4294967294: 4294967295 is
     * a Twstat's "don't touch", so a time read back and written as it was (cp -p) would leave the copy's own time.
     */
    static int seconds(long hostSeconds) {
        return (int) Math.clamp(hostSeconds, 0L, LAST_SECOND);
    }

    /** The stat(5) mode Tstat shows for a file of st_mode {@code stMode} (Twstat compares its type bits). */
    static int mode(int stMode, boolean unix) {
        return mode(stMode, FileType.ofMode(stMode), unix);
    }

    /**
     * stat(5) permission bits and DM type bits: DMDIR in both dialects, the others only in .u, where a 9P2000 client
     * would not know them (it sees a symlink or device as a plain file).
     */
    private static int mode(int stMode, FileType type, boolean unix) {
        int mode = stMode & 0777;
        if (type == FileType.DIRECTORY) {
            mode |= Stat.DMDIR;
        }
        if (!unix) {
            return mode;
        }
        mode |= switch (type) {
            case SYMLINK -> Stat.DMSYMLINK;
            case CHAR_DEVICE, BLOCK_DEVICE -> Stat.DMDEVICE;
            case FIFO -> Stat.DMNAMEDPIPE;
            case SOCKET -> Stat.DMSOCKET;
            case REGULAR, DIRECTORY -> 0;
        };
        mode |= (stMode & S_ISUID) != 0 ? Stat.DMSETUID : 0;
        mode |= (stMode & S_ISGID) != 0 ? Stat.DMSETGID : 0;
        mode |= (stMode & S_ISVTX) != 0 ? DMSETVTX : 0;
        return mode;
    }

    /**
     * .u's extension: a symlink's target (for Tstat read through the guarded readlink, so it is decided and recorded
     * like Treadlink), a device's "b|c major minor", a regular file's or directory's "HARDLINKCOUNT n", else empty.
     * .u's stat has no nlink field; the Linux client reads the link count of a regular file or directory from
     * that extension (fs/9p/vfs_inode.c, v9fs_stat2inode) and shows 1 without it, so a hard link would not show.
     */
    private static String extension(FileType type, long rdev, long nlink, String target) {
        return switch (type) {
            case SYMLINK -> target;
            case CHAR_DEVICE -> "c " + major(rdev) + " " + minor(rdev);
            case BLOCK_DEVICE -> "b " + major(rdev) + " " + minor(rdev);
            case REGULAR, DIRECTORY -> "HARDLINKCOUNT " + Long.toUnsignedString(nlink);
            case FIFO, SOCKET -> "";
        };
    }

    /** glibc's gnu_dev_major. */
    private static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    /** glibc's gnu_dev_minor. */
    private static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }
}
