package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;

/**
 * Encodes message records in the 9P2000.L layout (the few whose layout differs in another dialect are records of
 * their own: Rerror, RerrorU). The payload of Twrite and Rread is not copied:
 * {@link #writeHeaderAndBody} writes everything up to and including its count, and the caller
 * sends the payload buffer itself right after (see {@link CodecBuffers#payloadOf}).
 */
public final class MessageEncoder {
    private MessageEncoder() {}

    /** The type byte on the wire (Tunsupported keeps the code it arrived with). */
    public static int typeCode(Message message) {
        return message instanceof TMessage.Tunsupported u
                ? u.typeCode()
                : message.type().code();
    }

    /**
     * Writes size[4] type[1] tag[2] and the body except a Twrite/Rread payload; the size field
     * already counts that payload. Returns the total frame size.
     */
    public static int writeHeaderAndBody(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        out.writeByte(typeCode(frame.body()));
        out.writeShortLE(frame.tag());
        writeBody(frame.body(), out);
        ByteBuf payload = CodecBuffers.payloadOf(frame.body());
        int size = out.writerIndex() - start + (payload == null ? 0 : payload.readableBytes());
        out.setIntLE(start, size);
        return size;
    }

    /** nstat[2] and then the entry, which begins with its own size[2] (stat(5)). */
    private static void statWithSize(ByteBuf out, Stat stat) {
        int nstat = out.writerIndex();
        out.writeShortLE(0);
        StatLayout.write(out, stat);
        out.setShortLE(nstat, out.writerIndex() - nstat - Short.BYTES);
    }

    private static void writeBody(Message message, ByteBuf out) {
        switch (message) {
            case TMessage.Tversion m -> {
                out.writeIntLE(m.msize());
                WireWriter.string(out, m.version());
            }
            case TMessage.Tflush m -> out.writeShortLE(m.oldtag());
            case TMessage.Tstat m -> out.writeIntLE(m.fid());
            case TMessage.Topen m -> {
                out.writeIntLE(m.fid());
                out.writeByte(m.mode());
            }
            case RMessage.Ropen m -> {
                WireWriter.qid(out, m.qid());
                out.writeIntLE(m.iounit());
            }
            case RMessage.Rcreate m -> {
                WireWriter.qid(out, m.qid());
                out.writeIntLE(m.iounit());
            }
            case TMessage.Tcreate m -> {
                out.writeIntLE(m.fid());
                WireWriter.string(out, m.name());
                out.writeIntLE(m.perm());
                out.writeByte(m.mode());
                m.extension().ifPresent(extension -> WireWriter.string(out, extension));
            }
            case RMessage.Rstat m -> statWithSize(out, m.stat());
            case TMessage.Twstat m -> {
                out.writeIntLE(m.fid());
                statWithSize(out, m.stat());
            }
            case RMessage.Rwstat m -> {}
            case TMessage.Tunsupported m -> {
                /* empty body: only used to probe servers */
            }
            case TMessage.Tauth m -> {
                out.writeIntLE(m.afid());
                WireWriter.string(out, m.uname());
                WireWriter.string(out, m.aname());
                out.writeIntLE(m.nUname());
            }
            case TMessage.Tattach m -> {
                out.writeIntLE(m.fid());
                out.writeIntLE(m.afid());
                WireWriter.string(out, m.uname());
                WireWriter.string(out, m.aname());
                out.writeIntLE(m.nUname());
            }
            case TMessage.Twalk m -> {
                if (m.names().size() > TMessage.MAXWELEM) {
                    throw new IllegalArgumentException(
                            "Twalk takes at most 16 names: " + m.names().size());
                }
                out.writeIntLE(m.fid());
                out.writeIntLE(m.newfid());
                out.writeShortLE(m.names().size());
                for (String name : m.names()) {
                    WireWriter.string(out, name);
                }
            }
            case TMessage.Tread m -> fidOffsetCount(out, m.fid(), m.offset(), m.count());
            case TMessage.Twrite m ->
                fidOffsetCount(out, m.fid(), m.offset(), m.data().readableBytes());
            case TMessage.Tclunk m -> out.writeIntLE(m.fid());
            case TMessage.Tremove m -> out.writeIntLE(m.fid());
            case TMessage.Tstatfs m -> out.writeIntLE(m.fid());
            case TMessage.Tlopen m -> {
                out.writeIntLE(m.fid());
                out.writeIntLE(m.flags());
            }
            case TMessage.Tlcreate m -> {
                out.writeIntLE(m.fid());
                WireWriter.string(out, m.name());
                out.writeIntLE(m.flags());
                out.writeIntLE(m.mode());
                out.writeIntLE(m.gid());
            }
            case TMessage.Tsymlink m -> {
                out.writeIntLE(m.fid());
                WireWriter.string(out, m.name());
                WireWriter.string(out, m.target());
                out.writeIntLE(m.gid());
            }
            case TMessage.Tmknod m -> {
                out.writeIntLE(m.dfid());
                WireWriter.string(out, m.name());
                out.writeIntLE(m.mode());
                out.writeIntLE(m.major());
                out.writeIntLE(m.minor());
                out.writeIntLE(m.gid());
            }
            case TMessage.Trename m -> {
                out.writeIntLE(m.fid());
                out.writeIntLE(m.dfid());
                WireWriter.string(out, m.name());
            }
            case TMessage.Treadlink m -> out.writeIntLE(m.fid());
            case TMessage.Tgetattr m -> {
                out.writeIntLE(m.fid());
                out.writeLongLE(m.requestMask());
            }
            case TMessage.Tsetattr m -> {
                out.writeIntLE(m.fid());
                setAttr(out, m.attr());
            }
            case TMessage.Txattrwalk m -> {
                out.writeIntLE(m.fid());
                out.writeIntLE(m.newfid());
                WireWriter.string(out, m.name());
            }
            case TMessage.Txattrcreate m -> {
                out.writeIntLE(m.fid());
                WireWriter.string(out, m.name());
                out.writeLongLE(m.attrSize());
                out.writeIntLE(m.flags());
            }
            case TMessage.Treaddir m -> fidOffsetCount(out, m.fid(), m.offset(), m.count());
            case TMessage.Tfsync m -> {
                out.writeIntLE(m.fid());
                out.writeIntLE(m.datasync());
            }
            case TMessage.Tlock m -> {
                out.writeIntLE(m.fid());
                out.writeByte(m.lockType());
                out.writeIntLE(m.flags());
                out.writeLongLE(m.start());
                out.writeLongLE(m.length());
                out.writeIntLE(m.procId());
                WireWriter.string(out, m.clientId());
            }
            case TMessage.Tgetlock m -> {
                out.writeIntLE(m.fid());
                lock(out, m.lockType(), m.start(), m.length(), m.procId(), m.clientId());
            }
            case TMessage.Tlink m -> {
                out.writeIntLE(m.dfid());
                out.writeIntLE(m.fid());
                WireWriter.string(out, m.name());
            }
            case TMessage.Tmkdir m -> {
                out.writeIntLE(m.dfid());
                WireWriter.string(out, m.name());
                out.writeIntLE(m.mode());
                out.writeIntLE(m.gid());
            }
            case TMessage.Trenameat m -> {
                out.writeIntLE(m.oldDirFid());
                WireWriter.string(out, m.oldName());
                out.writeIntLE(m.newDirFid());
                WireWriter.string(out, m.newName());
            }
            case TMessage.Tunlinkat m -> {
                out.writeIntLE(m.dirFid());
                WireWriter.string(out, m.name());
                out.writeIntLE(m.flags());
            }
            case RMessage.Rlerror m -> out.writeIntLE(m.errno().code());
            case RMessage.Rerror m -> WireWriter.string(out, m.ename());
            case RMessage.RerrorU m -> {
                WireWriter.string(out, m.ename());
                out.writeIntLE(m.errno().code());
            }
            case RMessage.Rversion m -> {
                out.writeIntLE(m.msize());
                WireWriter.string(out, m.version());
            }
            case RMessage.Rauth m -> WireWriter.qid(out, m.aqid());
            case RMessage.Rattach m -> WireWriter.qid(out, m.qid());
            case RMessage.Rflush m -> {}
            case RMessage.Rwalk m -> {
                out.writeShortLE(m.qids().size());
                for (Qid qid : m.qids()) {
                    WireWriter.qid(out, qid);
                }
            }
            case RMessage.Rread m -> out.writeIntLE(m.data().readableBytes());
            case RMessage.Rdirread m -> {
                int count = out.writerIndex();
                out.writeIntLE(0);
                for (var stat : m.entries()) {
                    StatLayout.write(out, stat);
                }
                out.setIntLE(count, out.writerIndex() - count - Integer.BYTES);
            }
            case RMessage.Rwrite m -> out.writeIntLE(m.count());
            case RMessage.Rclunk m -> {}
            case RMessage.Rremove m -> {}
            case RMessage.Rstatfs m -> statFs(out, m.statfs());
            case RMessage.Rlopen m -> {
                WireWriter.qid(out, m.qid());
                out.writeIntLE(m.iounit());
            }
            case RMessage.Rlcreate m -> {
                WireWriter.qid(out, m.qid());
                out.writeIntLE(m.iounit());
            }
            case RMessage.Rsymlink m -> WireWriter.qid(out, m.qid());
            case RMessage.Rmknod m -> WireWriter.qid(out, m.qid());
            case RMessage.Rrename m -> {}
            case RMessage.Rreadlink m -> WireWriter.string(out, m.target());
            case RMessage.Rgetattr m -> attr(out, m.attr());
            case RMessage.Rsetattr m -> {}
            case RMessage.Rxattrwalk m -> out.writeLongLE(m.size());
            case RMessage.Rxattrcreate m -> {}
            case RMessage.Rreaddir m -> readdir(out, m);
            case RMessage.Rfsync m -> {}
            case RMessage.Rlock m -> out.writeByte(m.status());
            case RMessage.Rgetlock m -> lock(out, m.lockType(), m.start(), m.length(), m.procId(), m.clientId());
            case RMessage.Rlink m -> {}
            case RMessage.Rmkdir m -> WireWriter.qid(out, m.qid());
            case RMessage.Rrenameat m -> {}
            case RMessage.Runlinkat m -> {}
        }
    }

    private static void fidOffsetCount(ByteBuf out, int fid, long offset, int count) {
        out.writeIntLE(fid);
        out.writeLongLE(offset);
        out.writeIntLE(count);
    }

    private static void lock(ByteBuf out, int type, long start, long length, int procId, String clientId) {
        out.writeByte(type);
        out.writeLongLE(start);
        out.writeLongLE(length);
        out.writeIntLE(procId);
        WireWriter.string(out, clientId);
    }

    private static void setAttr(ByteBuf out, SetAttr a) {
        out.writeIntLE(a.valid());
        out.writeIntLE(a.mode());
        out.writeIntLE(a.uid());
        out.writeIntLE(a.gid());
        out.writeLongLE(a.size());
        out.writeLongLE(a.atimeSec());
        out.writeLongLE(a.atimeNsec());
        out.writeLongLE(a.mtimeSec());
        out.writeLongLE(a.mtimeNsec());
    }

    private static void statFs(ByteBuf out, StatFs s) {
        out.writeIntLE(s.type());
        out.writeIntLE(s.bsize());
        out.writeLongLE(s.blocks());
        out.writeLongLE(s.bfree());
        out.writeLongLE(s.bavail());
        out.writeLongLE(s.files());
        out.writeLongLE(s.ffree());
        out.writeLongLE(s.fsid());
        out.writeIntLE(s.namelen());
    }

    private static void attr(ByteBuf out, Attr a) {
        out.writeLongLE(a.valid());
        WireWriter.qid(out, a.qid());
        out.writeIntLE(a.mode());
        out.writeIntLE(a.uid());
        out.writeIntLE(a.gid());
        out.writeLongLE(a.nlink());
        out.writeLongLE(a.rdev());
        out.writeLongLE(a.size());
        out.writeLongLE(a.blksize());
        out.writeLongLE(a.blocks());
        out.writeLongLE(a.atimeSec());
        out.writeLongLE(a.atimeNsec());
        out.writeLongLE(a.mtimeSec());
        out.writeLongLE(a.mtimeNsec());
        out.writeLongLE(a.ctimeSec());
        out.writeLongLE(a.ctimeNsec());
        out.writeLongLE(a.btimeSec());
        out.writeLongLE(a.btimeNsec());
        out.writeLongLE(a.gen());
        out.writeLongLE(a.dataVersion());
    }

    private static void readdir(ByteBuf out, RMessage.Rreaddir m) {
        int countAt = out.writerIndex();
        out.writeIntLE(0);
        for (DirEntry e : m.entries()) {
            WireWriter.qid(out, e.qid());
            out.writeLongLE(e.offset());
            out.writeByte(e.type());
            WireWriter.string(out, e.name());
        }
        out.setIntLE(countAt, out.writerIndex() - countAt - 4);
    }
}
