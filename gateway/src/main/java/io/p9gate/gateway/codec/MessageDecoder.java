package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes one frame body (after size, type and tag) into its message record. Layouts follow
 * the 9P2000.L documentation (Linux include/net/9p/9p.h), and intro(5)/attach(5) of the Plan 9 manual for the
 * few that differ in 9P2000 and 9P2000.u. The whole body must be consumed:
 * short bodies, counts past the end and trailing bytes are {@link MalformedMessageException}s.
 */
public final class MessageDecoder {
    private MessageDecoder() {}

    /** As {@link #decode(int, ByteBuf, Direction, Dialect)} in a 9P2000.L session. */
    public static Message decode(int typeCode, ByteBuf body, Direction direction) throws MalformedMessageException {
        return decode(typeCode, body, direction, Dialect.L);
    }

    /**
     * @param typeCode the frame's type byte
     * @param body     readable bytes are exactly the body; on success they are all consumed
     * @param dialect  the session's dialect: a request type of another dialect is {@link TMessage.Tunsupported},
     *                 and Tauth/Tattach carry n_uname except in plain 9P2000
     */
    public static Message decode(int typeCode, ByteBuf body, Direction direction, Dialect dialect)
            throws MalformedMessageException {
        WireReader r = new WireReader(body, body.writerIndex());
        MessageType type = MessageType.of(typeCode);
        boolean isRequest = type != null && type != MessageType.TLERROR && type.code() % 2 == 0;
        Message message;
        if (direction == Direction.REQUESTS) {
            if (!isRequest || !spoken(type, dialect)) {
                body.skipBytes(body.readableBytes());
                return new TMessage.Tunsupported(typeCode);
            }
            message = request(type, r, dialect);
        } else {
            if (type == null || isRequest || type == MessageType.TLERROR || !spoken(type, dialect)) {
                throw new MalformedMessageException(
                        Errno.EPROTO, "not a " + dialect.version() + " reply type: " + typeCode);
            }
            message = reply(type, r, dialect);
        }
        try {
            r.expectEnd(type.name());
        } catch (MalformedMessageException e) {
            CodecBuffers.releasePayload(message);
            throw e;
        }
        return message;
    }

    /**
     * Whether a session of {@code dialect} may carry this type: .L's own types only in .L, Rerror and the stat(5)
     * messages only outside.
     */
    private static boolean spoken(MessageType type, Dialect dialect) {
        return switch (dialect) {
            case L -> type != MessageType.RERROR && !type.notInDotL();
            case U, LEGACY -> !type.onlyInDotL();
        };
    }

    /** n_uname[4] ends Tauth and Tattach in 9P2000.L and .u; plain 9P2000 has none. */
    private static int nUname(WireReader r, Dialect dialect) throws MalformedMessageException {
        return switch (dialect) {
            case L, U -> r.u32("n_uname");
            case LEGACY -> TMessage.NONUNAME;
        };
    }

    private static TMessage request(MessageType type, WireReader r, Dialect dialect) throws MalformedMessageException {
        return switch (type) {
            case TVERSION -> new TMessage.Tversion(r.u32("msize"), r.string("version"));
            case TAUTH -> new TMessage.Tauth(r.u32("afid"), r.string("uname"), r.string("aname"), nUname(r, dialect));
            case TATTACH ->
                new TMessage.Tattach(
                        r.u32("fid"), r.u32("afid"), r.string("uname"), r.string("aname"), nUname(r, dialect));
            case TFLUSH -> new TMessage.Tflush(r.u16("oldtag"));
            case TWALK -> walk(r);
            case TREAD -> new TMessage.Tread(r.u32("fid"), r.u64("offset"), r.u32("count"));
            case TWRITE -> new TMessage.Twrite(r.u32("fid"), r.u64("offset"), r.countedData("data"));
            case TCLUNK -> new TMessage.Tclunk(r.u32("fid"));
            case TREMOVE -> new TMessage.Tremove(r.u32("fid"));
            case TSTAT -> new TMessage.Tstat(r.u32("fid"));
            case TOPEN -> new TMessage.Topen(r.u32("fid"), r.u8("mode"));
            case TCREATE ->
                new TMessage.Tcreate(
                        r.u32("fid"),
                        r.string("name"),
                        r.u32("perm"),
                        r.u8("mode"),
                        dialect == Dialect.U ? Optional.of(r.string("extension")) : Optional.empty());
            case TWSTAT -> twstat(r, dialect);
            case TSTATFS -> new TMessage.Tstatfs(r.u32("fid"));
            case TLOPEN -> new TMessage.Tlopen(r.u32("fid"), r.u32("flags"));
            case TLCREATE ->
                new TMessage.Tlcreate(r.u32("fid"), r.string("name"), r.u32("flags"), r.u32("mode"), r.u32("gid"));
            case TSYMLINK -> new TMessage.Tsymlink(r.u32("fid"), r.string("name"), r.string("symtgt"), r.u32("gid"));
            case TMKNOD ->
                new TMessage.Tmknod(
                        r.u32("dfid"), r.string("name"), r.u32("mode"), r.u32("major"), r.u32("minor"), r.u32("gid"));
            case TRENAME -> new TMessage.Trename(r.u32("fid"), r.u32("dfid"), r.string("name"));
            case TREADLINK -> new TMessage.Treadlink(r.u32("fid"));
            case TGETATTR -> new TMessage.Tgetattr(r.u32("fid"), r.u64("request_mask"));
            case TSETATTR ->
                new TMessage.Tsetattr(
                        r.u32("fid"),
                        new SetAttr(
                                r.u32("valid"),
                                r.u32("mode"),
                                r.u32("uid"),
                                r.u32("gid"),
                                r.u64("size"),
                                r.u64("atime_sec"),
                                r.u64("atime_nsec"),
                                r.u64("mtime_sec"),
                                r.u64("mtime_nsec")));
            case TXATTRWALK -> new TMessage.Txattrwalk(r.u32("fid"), r.u32("newfid"), r.string("name"));
            case TXATTRCREATE ->
                new TMessage.Txattrcreate(r.u32("fid"), r.string("name"), r.u64("attr_size"), r.u32("flags"));
            case TREADDIR -> new TMessage.Treaddir(r.u32("fid"), r.u64("offset"), r.u32("count"));
            // Kernels before 3.x sent Tfsync without datasync; read it as 0 (a full fsync) then.
            case TFSYNC -> new TMessage.Tfsync(r.u32("fid"), r.atEnd() ? 0 : r.u32("datasync"));
            case TLOCK ->
                new TMessage.Tlock(
                        r.u32("fid"),
                        r.u8("type"),
                        r.u32("flags"),
                        r.u64("start"),
                        r.u64("length"),
                        r.u32("proc_id"),
                        r.string("client_id"));
            case TGETLOCK ->
                new TMessage.Tgetlock(
                        r.u32("fid"),
                        r.u8("type"),
                        r.u64("start"),
                        r.u64("length"),
                        r.u32("proc_id"),
                        r.string("client_id"));
            case TLINK -> new TMessage.Tlink(r.u32("dfid"), r.u32("fid"), r.string("name"));
            case TMKDIR -> new TMessage.Tmkdir(r.u32("dfid"), r.string("name"), r.u32("mode"), r.u32("gid"));
            case TRENAMEAT ->
                new TMessage.Trenameat(
                        r.u32("olddirfid"), r.string("oldname"), r.u32("newdirfid"), r.string("newname"));
            case TUNLINKAT -> new TMessage.Tunlinkat(r.u32("dirfd"), r.string("name"), r.u32("flags"));
            default -> throw new IllegalStateException("not a request type: " + type);
        };
    }

    private static TMessage.Twalk walk(WireReader r) throws MalformedMessageException {
        int fid = r.u32("fid");
        int newfid = r.u32("newfid");
        int nwname = r.u16("nwname");
        if (nwname > TMessage.MAXWELEM) {
            throw new MalformedMessageException(Errno.EINVAL, "Twalk with " + nwname + " names (max 16)");
        }
        // An array wrapped by List.of: the record's List.copyOf then keeps it instead of copying again.
        String[] names = new String[nwname];
        for (int i = 0; i < nwname; i++) {
            names[i] = r.string("wname");
        }
        return new TMessage.Twalk(fid, newfid, List.of(names));
    }

    private static RMessage reply(MessageType type, WireReader r, Dialect dialect) throws MalformedMessageException {
        return switch (type) {
            case RLERROR -> new RMessage.Rlerror(Errno.of(r.u32("ecode")));
            case RERROR ->
                dialect == Dialect.U
                        ? new RMessage.RerrorU(r.string("ename"), Errno.of(r.u32("errno")))
                        : new RMessage.Rerror(r.string("ename"));
            case RVERSION -> new RMessage.Rversion(r.u32("msize"), r.string("version"));
            case RAUTH -> new RMessage.Rauth(r.qid("aqid"));
            case RATTACH -> new RMessage.Rattach(r.qid("qid"));
            case RFLUSH -> new RMessage.Rflush();
            case RWALK -> rwalk(r);
            case RREAD -> new RMessage.Rread(r.countedData("data"));
            case RWRITE -> new RMessage.Rwrite(r.u32("count"));
            case RCLUNK -> new RMessage.Rclunk();
            case RREMOVE -> new RMessage.Rremove();
            case RSTAT -> rstat(r, dialect);
            case ROPEN -> new RMessage.Ropen(r.qid("qid"), r.u32("iounit"));
            case RCREATE -> new RMessage.Rcreate(r.qid("qid"), r.u32("iounit"));
            case RWSTAT -> new RMessage.Rwstat();
            case RSTATFS ->
                new RMessage.Rstatfs(new StatFs(
                        r.u32("type"),
                        r.u32("bsize"),
                        r.u64("blocks"),
                        r.u64("bfree"),
                        r.u64("bavail"),
                        r.u64("files"),
                        r.u64("ffree"),
                        r.u64("fsid"),
                        r.u32("namelen")));
            case RLOPEN -> new RMessage.Rlopen(r.qid("qid"), r.u32("iounit"));
            case RLCREATE -> new RMessage.Rlcreate(r.qid("qid"), r.u32("iounit"));
            case RSYMLINK -> new RMessage.Rsymlink(r.qid("qid"));
            case RMKNOD -> new RMessage.Rmknod(r.qid("qid"));
            case RRENAME -> new RMessage.Rrename();
            case RREADLINK -> new RMessage.Rreadlink(r.string("target"));
            case RGETATTR ->
                new RMessage.Rgetattr(new Attr(
                        r.u64("valid"),
                        r.qid("qid"),
                        r.u32("mode"),
                        r.u32("uid"),
                        r.u32("gid"),
                        r.u64("nlink"),
                        r.u64("rdev"),
                        r.u64("size"),
                        r.u64("blksize"),
                        r.u64("blocks"),
                        r.u64("atime_sec"),
                        r.u64("atime_nsec"),
                        r.u64("mtime_sec"),
                        r.u64("mtime_nsec"),
                        r.u64("ctime_sec"),
                        r.u64("ctime_nsec"),
                        r.u64("btime_sec"),
                        r.u64("btime_nsec"),
                        r.u64("gen"),
                        r.u64("data_version")));
            case RSETATTR -> new RMessage.Rsetattr();
            case RXATTRWALK -> new RMessage.Rxattrwalk(r.u64("size"));
            case RXATTRCREATE -> new RMessage.Rxattrcreate();
            case RREADDIR -> readdir(r);
            case RFSYNC -> new RMessage.Rfsync();
            case RLOCK -> new RMessage.Rlock(r.u8("status"));
            case RGETLOCK ->
                new RMessage.Rgetlock(
                        r.u8("type"), r.u64("start"), r.u64("length"), r.u32("proc_id"), r.string("client_id"));
            case RLINK -> new RMessage.Rlink();
            case RMKDIR -> new RMessage.Rmkdir(r.qid("qid"));
            case RRENAMEAT -> new RMessage.Rrenameat();
            case RUNLINKAT -> new RMessage.Runlinkat();
            default -> throw new IllegalStateException("not a reply type: " + type);
        };
    }

    private static RMessage.Rwalk rwalk(WireReader r) throws MalformedMessageException {
        int nwqid = r.u16("nwqid");
        if (nwqid > TMessage.MAXWELEM) {
            throw new MalformedMessageException(Errno.EPROTO, "Rwalk with " + nwqid + " qids (max 16)");
        }
        List<Qid> qids = new ArrayList<>(nwqid);
        for (int i = 0; i < nwqid; i++) {
            qids.add(r.qid("wqid"));
        }
        return new RMessage.Rwalk(qids);
    }

    /** nstat[2] and then the entry, which carries its own size too (stat(5)): both must agree. */
    private static RMessage.Rstat rstat(WireReader r, Dialect dialect) throws MalformedMessageException {
        WireReader entry = r.shortSection("nstat");
        var stat = StatLayout.read(entry, dialect);
        entry.expectEnd("Rstat nstat");
        return new RMessage.Rstat(stat);
    }

    /** stat(5): fid[4] then nstat[2] and one entry, laid out as Rstat's (with .u's fields in a .u session). */
    private static TMessage.Twstat twstat(WireReader r, Dialect dialect) throws MalformedMessageException {
        int fid = r.u32("fid");
        WireReader entry = r.shortSection("nstat");
        var stat = StatLayout.read(entry, dialect);
        entry.expectEnd("Twstat nstat");
        return new TMessage.Twstat(fid, stat);
    }

    private static RMessage.Rreaddir readdir(WireReader r) throws MalformedMessageException {
        WireReader data = r.countedSection("data");
        List<DirEntry> entries = new ArrayList<>();
        while (!data.atEnd()) {
            entries.add(new DirEntry(data.qid("qid"), data.u64("offset"), data.u8("type"), data.string("name")));
        }
        return new RMessage.Rreaddir(entries);
    }
}
