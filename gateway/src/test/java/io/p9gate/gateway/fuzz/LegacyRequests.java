package io.p9gate.gateway.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@link HostileSequence}'s 9P2000.L requests as a guest speaking 9P2000.u or 9P2000 asks the same thing (the Linux
 * client's way in those dialects): Tlopen as Topen, Tlcreate, Tmkdir and (.u) Tsymlink, Tmknod and Tlink as Tcreate,
 * Tgetattr and Treadlink as Tstat, Tsetattr, Trename and Tfsync as Twstat, Treaddir as a Tread of the directory (of at least 8 KiB).
 * What has no counterpart (Trenameat, Tunlinkat, xattrs, locks, Tstatfs; in 9P2000 special files and a Tattach
 * with a numeric uid) is null: not sent.
 */
final class LegacyRequests {
    private static final int DMLINK = 0x01000000;
    private static final int OTRUNC = 0x10;
    private static final int O_TRUNC = 01000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int DIRECTORY_READ = 8192;

    /**
     * The fid a Tcreate that stands for a Tmkdir, Tsymlink, Tmknod or Tlink is made through: a clone of the directory
     * fid, as the Linux client does, since a Tcreate makes its fid the new file and the directory fid must stay.
     */
    static final int CREATE_FID = 60;

    private LegacyRequests() {}

    /** The directory fid of a request whose Tcreate goes through a clone of it ({@link #CREATE_FID}); -1 for others. */
    static int clonedDirectory(TMessage request) {
        return switch (request) {
            case TMessage.Tmkdir m -> m.dfid();
            case TMessage.Tsymlink s -> s.fid();
            case TMessage.Tmknod m -> m.dfid();
            case TMessage.Tlink l -> l.dfid();
            default -> -1;
        };
    }

    /** {@code request} as {@code dialect} says it: the same instance where it is the same message, null where none. */
    static TMessage translate(TMessage request, Dialect dialect) {
        boolean unix = dialect == Dialect.U;
        Optional<String> none = unix ? Optional.of("") : Optional.empty();
        return switch (request) {
            case TMessage.Tattach a -> unix ? a : null;
            case TMessage.Tlopen(int fid, int flags) -> new TMessage.Topen(fid, openMode(flags));
            case TMessage.Tlcreate(int fid, String name, int flags, int mode, int gid) ->
                new TMessage.Tcreate(fid, name, mode & 0777, openMode(flags), none);
            case TMessage.Tmkdir(int dfid, String name, int mode, int gid) ->
                new TMessage.Tcreate(CREATE_FID, name, Stat.DMDIR | (mode & 0777), 0, none);
            case TMessage.Tsymlink(int fid, String name, String target, int gid) ->
                unix ? new TMessage.Tcreate(CREATE_FID, name, Stat.DMSYMLINK | 0777, 0, Optional.of(target)) : null;
            case TMessage.Tmknod(int dfid, String name, int mode, int major, int minor, int gid) -> {
                int kind = mode & S_IFMT;
                if (kind == S_IFREG) {
                    yield new TMessage.Tcreate(CREATE_FID, name, mode & 07777, 0, none);
                }
                boolean device = kind == S_IFCHR || kind == S_IFBLK;
                yield unix && device
                        ? new TMessage.Tcreate(
                                CREATE_FID,
                                name,
                                Stat.DMDEVICE | (mode & 0777),
                                0,
                                Optional.of((kind == S_IFCHR ? "c " : "b ") + major + " " + minor))
                        : null;
            }
            case TMessage.Tlink(int dfid, int fid, String name) ->
                unix
                        ? new TMessage.Tcreate(CREATE_FID, name, DMLINK | 0777, 0, Optional.of(Integer.toString(fid)))
                        : null;
            case TMessage.Tgetattr g -> new TMessage.Tstat(g.fid());
            case TMessage.Treadlink(int fid) -> new TMessage.Tstat(fid);
            // The Linux client reads a directory in msize-sized reads, each ending on a whole entry.
            case TMessage.Treaddir(int fid, long offset, int count) ->
                new TMessage.Tread(fid, offset, Math.max(count, DIRECTORY_READ));
            case TMessage.Trename(int fid, int dfid, String name) ->
                unix ? Wstats.unix(fid, Wstats.common(-1, name, -1, -1, -1L, ""), -1, -1) : Wstats.rename(fid, name);
            case TMessage.Tfsync f ->
                unix ? Wstats.unix(f.fid(), Wstats.common(-1, "", -1, -1, -1L, ""), -1, -1) : Wstats.sync(f.fid());
            case TMessage.Tsetattr(int fid, SetAttr a) -> wstat(fid, a, unix);
            case TMessage.Trenameat r -> null;
            case TMessage.Tunlinkat u -> null;
            case TMessage.Txattrwalk x -> null;
            case TMessage.Txattrcreate x -> null;
            case TMessage.Tlock l -> null;
            case TMessage.Tgetlock l -> null;
            case TMessage.Tstatfs s -> null;
            default -> request;
        };
    }

    /** open(5)'s mode for Linux open flags: the access mode, and OTRUNC for O_TRUNC. */
    private static int openMode(int flags) {
        return (flags & 3) | ((flags & O_TRUNC) != 0 ? OTRUNC : 0);
    }

    /** A Tsetattr as the Twstat that asks it: mode, length, times and (.u) the numeric owner; -1 is "don't touch". */
    private static TMessage.Twstat wstat(int fid, SetAttr a, boolean unix) {
        int mode = a.has(SetAttr.SETATTR_MODE) ? a.mode() & 07777 : -1;
        int atime = a.has(SetAttr.SETATTR_ATIME_SET) ? (int) a.atimeSec() : -1;
        int mtime = a.has(SetAttr.SETATTR_MTIME_SET) ? (int) a.mtimeSec() : -1;
        long length = a.has(SetAttr.SETATTR_SIZE) ? a.size() : -1L;
        Stat.Common common = Wstats.common(mode, "", atime, mtime, length, "");
        if (!unix) {
            return Wstats.plain(fid, common);
        }
        int uid = a.has(SetAttr.SETATTR_UID) ? a.uid() : -1;
        int gid = a.has(SetAttr.SETATTR_GID) ? a.gid() : -1;
        return Wstats.unix(fid, common, uid, gid);
    }

    /**
     * Tattach of {@code fid} as guest uid 0 to {@code aname}, as 9P2000 lays it out: without the n_uname that the
     * client's encoder always writes, so it is built here byte by byte.
     */
    static ByteBuf plainAttach(int tag, int fid, String aname) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeIntLE(0).writeByte(MessageType.TATTACH.code()).writeShortLE(tag);
        frame.writeIntLE(fid).writeIntLE(TMessage.NOFID);
        for (String text : new String[] {"root", aname}) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            frame.writeShortLE(bytes.length).writeBytes(bytes);
        }
        return frame.setIntLE(0, frame.readableBytes());
    }
}
