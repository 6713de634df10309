package io.p9gate.gateway.proto;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Optional;

/**
 * Requests (client to server). {@link SessionRequest}s are handled by the connection itself
 * (version negotiation, flush, unknown types); {@link FileRequest}s go to the filesystem
 * operations. Field names follow the 9P2000.L documentation; u32 fields are Java ints
 * (unsigned where the protocol says so), u16 and u8 fields are ints in range.
 */
public sealed interface TMessage extends Message permits TMessage.SessionRequest, TMessage.FileRequest {

    /** Handled by the session layer, never by the filesystem operations. */
    sealed interface SessionRequest extends TMessage permits Tversion, Tflush, Tunsupported {}

    /** Handled by the filesystem operations (after version negotiation). */
    sealed interface FileRequest extends TMessage
            permits Tauth,
                    Tattach,
                    Twalk,
                    Tread,
                    Twrite,
                    Tclunk,
                    Tremove,
                    Tstatfs,
                    Tlopen,
                    Tlcreate,
                    Tsymlink,
                    Tmknod,
                    Trename,
                    Treadlink,
                    Tgetattr,
                    Tsetattr,
                    Txattrwalk,
                    Txattrcreate,
                    Treaddir,
                    Tfsync,
                    Tlock,
                    Tgetlock,
                    Tlink,
                    Tmkdir,
                    Trenameat,
                    Tunlinkat,
                    Tstat,
                    Topen,
                    Tcreate,
                    Twstat {}

    /** The fid value meaning "no fid" (e.g. Tattach.afid without authentication). */
    int NOFID = 0xffffffff;
    /** Tattach/Tauth n_uname meaning "no numeric uid given". */
    int NONUNAME = 0xffffffff;
    /** Most names in one Twalk. */
    int MAXWELEM = 16;

    record Tversion(int msize, String version) implements SessionRequest {
        public MessageType type() {
            return MessageType.TVERSION;
        }
    }

    record Tflush(int oldtag) implements SessionRequest {
        public MessageType type() {
            return MessageType.TFLUSH;
        }
    }

    /**
     * A well-framed request whose type 9P2000.L does not define or this server does not serve
     * (legacy Topen, Tstat, ...): answered with Rlerror(EOPNOTSUPP), the connection stays up.
     */
    record Tunsupported(int typeCode) implements SessionRequest {
        public MessageType type() {
            return null;
        }
    }

    record Tauth(int afid, String uname, String aname, int nUname) implements FileRequest {
        public MessageType type() {
            return MessageType.TAUTH;
        }
    }

    record Tattach(int fid, int afid, String uname, String aname, int nUname) implements FileRequest {
        public MessageType type() {
            return MessageType.TATTACH;
        }
    }

    record Twalk(int fid, int newfid, List<String> names) implements FileRequest {
        public Twalk {
            names = List.copyOf(names);
        }

        public MessageType type() {
            return MessageType.TWALK;
        }
    }

    record Tread(int fid, long offset, int count) implements FileRequest {
        public MessageType type() {
            return MessageType.TREAD;
        }
    }

    /**
     * @param data the payload: a retained slice owned by this message; the session releases it
     *             once the request is answered
     */
    record Twrite(int fid, long offset, ByteBuf data) implements FileRequest {
        public MessageType type() {
            return MessageType.TWRITE;
        }
    }

    record Tclunk(int fid) implements FileRequest {
        public MessageType type() {
            return MessageType.TCLUNK;
        }
    }

    record Tremove(int fid) implements FileRequest {
        public MessageType type() {
            return MessageType.TREMOVE;
        }
    }

    record Tstatfs(int fid) implements FileRequest {
        public MessageType type() {
            return MessageType.TSTATFS;
        }
    }

    /** 9P2000 and 9P2000.u: the fid's stat(5) entry. */
    record Tstat(int fid) implements FileRequest {
        public MessageType type() {
            return MessageType.TSTAT;
        }
    }

    /**
     * 9P2000 and 9P2000.u (stat(5) "wstat"): changes the fields of {@code stat} that are not "don't touch" (~0
     * numbers, empty strings), all or none.
     */
    record Twstat(int fid, Stat stat) implements FileRequest {
        public MessageType type() {
            return MessageType.TWSTAT;
        }
    }

    /**
     * 9P2000 and 9P2000.u (open(5)): opens the fid for I/O.
     *
     * @param mode OREAD, OWRITE, ORDWR or OEXEC, with OTRUNC, ORCLOSE and (.u) OAPPEND, OEXCL bits
     */
    record Topen(int fid, int mode) implements FileRequest {
        public MessageType type() {
            return MessageType.TOPEN;
        }
    }

    /**
     * 9P2000 and 9P2000.u (create(5)): creates {@code name} in the directory {@code fid}, which becomes the new
     * file, opened with {@code mode}.
     *
     * @param perm      permission bits, DMDIR for a directory, in .u DMSYMLINK, DMDEVICE, DMNAMEDPIPE, DMSOCKET
     *                  or DMLINK for the special files the extension describes
     * @param extension .u's (empty in 9P2000): a symlink's target, "b|c major minor", a hard link's source fid
     */
    record Tcreate(int fid, String name, int perm, int mode, Optional<String> extension) implements FileRequest {
        public MessageType type() {
            return MessageType.TCREATE;
        }
    }

    record Tlopen(int fid, int flags) implements FileRequest {
        public MessageType type() {
            return MessageType.TLOPEN;
        }
    }

    record Tlcreate(int fid, String name, int flags, int mode, int gid) implements FileRequest {
        public MessageType type() {
            return MessageType.TLCREATE;
        }
    }

    record Tsymlink(int fid, String name, String target, int gid) implements FileRequest {
        public MessageType type() {
            return MessageType.TSYMLINK;
        }
    }

    record Tmknod(int dfid, String name, int mode, int major, int minor, int gid) implements FileRequest {
        public MessageType type() {
            return MessageType.TMKNOD;
        }
    }

    record Trename(int fid, int dfid, String name) implements FileRequest {
        public MessageType type() {
            return MessageType.TRENAME;
        }
    }

    record Treadlink(int fid) implements FileRequest {
        public MessageType type() {
            return MessageType.TREADLINK;
        }
    }

    record Tgetattr(int fid, long requestMask) implements FileRequest {
        public MessageType type() {
            return MessageType.TGETATTR;
        }
    }

    record Tsetattr(int fid, SetAttr attr) implements FileRequest {
        public MessageType type() {
            return MessageType.TSETATTR;
        }
    }

    record Txattrwalk(int fid, int newfid, String name) implements FileRequest {
        public MessageType type() {
            return MessageType.TXATTRWALK;
        }
    }

    record Txattrcreate(int fid, String name, long attrSize, int flags) implements FileRequest {
        public MessageType type() {
            return MessageType.TXATTRCREATE;
        }
    }

    record Treaddir(int fid, long offset, int count) implements FileRequest {
        public MessageType type() {
            return MessageType.TREADDIR;
        }
    }

    record Tfsync(int fid, int datasync) implements FileRequest {
        public MessageType type() {
            return MessageType.TFSYNC;
        }
    }

    record Tlock(int fid, int lockType, int flags, long start, long length, int procId, String clientId)
            implements FileRequest {
        public MessageType type() {
            return MessageType.TLOCK;
        }
    }

    record Tgetlock(int fid, int lockType, long start, long length, int procId, String clientId)
            implements FileRequest {
        public MessageType type() {
            return MessageType.TGETLOCK;
        }
    }

    record Tlink(int dfid, int fid, String name) implements FileRequest {
        public MessageType type() {
            return MessageType.TLINK;
        }
    }

    record Tmkdir(int dfid, String name, int mode, int gid) implements FileRequest {
        public MessageType type() {
            return MessageType.TMKDIR;
        }
    }

    record Trenameat(int oldDirFid, String oldName, int newDirFid, String newName) implements FileRequest {
        public MessageType type() {
            return MessageType.TRENAMEAT;
        }
    }

    record Tunlinkat(int dirFid, String name, int flags) implements FileRequest {
        public MessageType type() {
            return MessageType.TUNLINKAT;
        }
    }
}
