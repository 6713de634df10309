package io.p9gate.gateway.ops;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rstat;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Tstat;
import java.util.Optional;

/**
 * Tstat of 9P2000 and 9P2000.u: the guarded getattr (the same decision and audit record as Tgetattr), shown as a
 * stat(5) entry. Owner and group are names in stat(5); the gateway shows the numeric ids Tgetattr would show, as
 * decimal text, and .u's n_uid/n_gid carry the same numbers.
 */
final class StatOps {
    /** st_mode's set-id and sticky bits. */
    private static final int S_ISUID = 04000;

    private static final int S_ISGID = 02000;
    private static final int S_ISVTX = 01000;
    /** 9P2000.u: the sticky bit (Linux include/net/9p/9p.h P9_DMSETVTX). */
    private static final int DMSETVTX = 0x00010000;

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

    private final OpsContext ctx;
    private final AttrOps attrs;

    StatOps(OpsContext ctx, AttrOps attrs) {
        this.ctx = ctx;
        this.attrs = attrs;
    }

    Rstat stat(Tstat t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        Attr s = attrs.getattr(new TMessage.Tgetattr(t.fid(), Attr.GETATTR_ALL)).attr();
        FileType type = FileType.ofMode(s.mode());
        boolean unix = switch (ctx.connection().dialect()) {
            case U -> true;
            case L, LEGACY -> false;
        };
        String owner = Integer.toUnsignedString(s.uid());
        String group = Integer.toUnsignedString(s.gid());
        var common = new Stat.Common(
                0,
                0,
                s.qid(),
                mode(s.mode(), type, unix),
                (int) s.atimeSec(),
                (int) s.mtimeSec(),
                type == FileType.DIRECTORY ? 0 : s.size(),
                "",
                owner,
                group,
                "");
        Optional<Stat.Unix> tail = unix
                ? Optional.of(new Stat.Unix(extension(fid, type, s.rdev()), s.uid(), s.gid(), TMessage.NONUNAME))
                : Optional.empty();
        return new Rstat(new Stat(common, tail));
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
     * .u's extension: a symlink's target (read through the guarded readlink, so it is decided and recorded like
     * Treadlink), a device's "b|c major minor", else empty.
     */
    private String extension(Fid fid, FileType type, long rdev) throws P9Exception {
        return switch (type) {
            case SYMLINK -> ctx.fs().readlink(fid.who(), fid.share(), fid.node());
            case CHAR_DEVICE -> "c " + major(rdev) + " " + minor(rdev);
            case BLOCK_DEVICE -> "b " + major(rdev) + " " + minor(rdev);
            case REGULAR, DIRECTORY, FIFO, SOCKET -> "";
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
