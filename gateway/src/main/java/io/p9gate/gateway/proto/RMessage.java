package io.p9gate.gateway.proto;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** Replies (server to client). */
public sealed interface RMessage extends Message {

    record Rlerror(Errno errno) implements RMessage {
        public MessageType type() {
            return MessageType.RLERROR;
        }
    }

    /** The error reply of 9P2000: a string only, which the client maps back to an errno. */
    record Rerror(String ename) implements RMessage {
        public MessageType type() {
            return MessageType.RERROR;
        }
    }

    /** The error reply of 9P2000.u: the string, then the errno. */
    record RerrorU(String ename, Errno errno) implements RMessage {
        public MessageType type() {
            return MessageType.RERROR;
        }
    }

    /** 9P2000 and 9P2000.u: one stat(5) entry, .u's fields present exactly in a .u session. */
    record Rstat(Stat stat) implements RMessage {
        public MessageType type() {
            return MessageType.RSTAT;
        }
    }

    /** 9P2000 and 9P2000.u: the opened file's qid and the most bytes one Tread or Twrite moves (0: msize − 24). */
    record Ropen(Qid qid, int iounit) implements RMessage {
        public MessageType type() {
            return MessageType.ROPEN;
        }
    }

    /**
     * Rread of a directory opened by Topen (9P2000, .u; read(5)): whole stat(5) entries back to back, in the
     * session's dialect. On the wire an Rread whose data are the packed entries; a client reads it as {@link Rread}.
     */
    record Rdirread(List<Stat> entries) implements RMessage {
        public Rdirread {
            entries = List.copyOf(entries);
        }

        public MessageType type() {
            return MessageType.RREAD;
        }
    }

    /** 9P2000 and 9P2000.u: the new file's qid and iounit, as Ropen. */
    record Rcreate(Qid qid, int iounit) implements RMessage {
        public MessageType type() {
            return MessageType.RCREATE;
        }
    }

    record Rversion(int msize, String version) implements RMessage {
        public MessageType type() {
            return MessageType.RVERSION;
        }
    }

    record Rauth(Qid aqid) implements RMessage {
        public MessageType type() {
            return MessageType.RAUTH;
        }
    }

    record Rattach(Qid qid) implements RMessage {
        public MessageType type() {
            return MessageType.RATTACH;
        }
    }

    record Rflush() implements RMessage {
        public MessageType type() {
            return MessageType.RFLUSH;
        }
    }

    record Rwalk(List<Qid> qids) implements RMessage {
        public Rwalk {
            qids = List.copyOf(qids);
        }

        public MessageType type() {
            return MessageType.RWALK;
        }
    }

    /** @param data the bytes read; owned by this message, released by the encoder once written */
    record Rread(ByteBuf data) implements RMessage {
        public MessageType type() {
            return MessageType.RREAD;
        }
    }

    record Rwrite(int count) implements RMessage {
        public MessageType type() {
            return MessageType.RWRITE;
        }
    }

    record Rclunk() implements RMessage {
        public MessageType type() {
            return MessageType.RCLUNK;
        }
    }

    record Rremove() implements RMessage {
        public MessageType type() {
            return MessageType.RREMOVE;
        }
    }

    /** 9P2000 and 9P2000.u: the wstat was made; no body. */
    record Rwstat() implements RMessage {
        public MessageType type() {
            return MessageType.RWSTAT;
        }
    }

    record Rstatfs(StatFs statfs) implements RMessage {
        public MessageType type() {
            return MessageType.RSTATFS;
        }
    }

    record Rlopen(Qid qid, int iounit) implements RMessage {
        public MessageType type() {
            return MessageType.RLOPEN;
        }
    }

    record Rlcreate(Qid qid, int iounit) implements RMessage {
        public MessageType type() {
            return MessageType.RLCREATE;
        }
    }

    record Rsymlink(Qid qid) implements RMessage {
        public MessageType type() {
            return MessageType.RSYMLINK;
        }
    }

    record Rmknod(Qid qid) implements RMessage {
        public MessageType type() {
            return MessageType.RMKNOD;
        }
    }

    record Rrename() implements RMessage {
        public MessageType type() {
            return MessageType.RRENAME;
        }
    }

    record Rreadlink(String target) implements RMessage {
        public MessageType type() {
            return MessageType.RREADLINK;
        }
    }

    record Rgetattr(Attr attr) implements RMessage {
        public MessageType type() {
            return MessageType.RGETATTR;
        }
    }

    record Rsetattr() implements RMessage {
        public MessageType type() {
            return MessageType.RSETATTR;
        }
    }

    record Rxattrwalk(long size) implements RMessage {
        public MessageType type() {
            return MessageType.RXATTRWALK;
        }
    }

    record Rxattrcreate() implements RMessage {
        public MessageType type() {
            return MessageType.RXATTRCREATE;
        }
    }

    /** Entries are packed by the handler so that their wire size fits the Treaddir count. */
    record Rreaddir(List<DirEntry> entries) implements RMessage {
        public Rreaddir {
            entries = List.copyOf(entries);
        }

        public MessageType type() {
            return MessageType.RREADDIR;
        }
    }

    record Rfsync() implements RMessage {
        public MessageType type() {
            return MessageType.RFSYNC;
        }
    }

    record Rlock(int status) implements RMessage {
        public MessageType type() {
            return MessageType.RLOCK;
        }
    }

    record Rgetlock(int lockType, long start, long length, int procId, String clientId) implements RMessage {
        public MessageType type() {
            return MessageType.RGETLOCK;
        }
    }

    record Rlink() implements RMessage {
        public MessageType type() {
            return MessageType.RLINK;
        }
    }

    record Rmkdir(Qid qid) implements RMessage {
        public MessageType type() {
            return MessageType.RMKDIR;
        }
    }

    record Rrenameat() implements RMessage {
        public MessageType type() {
            return MessageType.RRENAMEAT;
        }
    }

    record Runlinkat() implements RMessage {
        public MessageType type() {
            return MessageType.RUNLINKAT;
        }
    }
}
