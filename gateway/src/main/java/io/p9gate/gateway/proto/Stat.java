package io.p9gate.gateway.proto;

import io.netty.buffer.ByteBufUtil;
import java.util.Optional;

/**
 * A file's directory entry as 9P2000 and 9P2000.u describe it (stat(5)): what Rstat carries and what a directory
 * read returns, packed one after the other.
 *
 * @param common the fields of 9P2000
 * @param unix   the fields 9P2000.u appends; empty in a 9P2000 session
 */
public record Stat(Common common, Optional<Unix> unix) {

    /** Mode bit: a directory (stat(5) DMDIR). */
    public static final int DMDIR = 0x80000000;
    /** Mode bit: append only. */
    public static final int DMAPPEND = 0x40000000;
    /** Mode bit: exclusive use. */
    public static final int DMEXCL = 0x20000000;
    /** Mode bit (9P2000.u): a symbolic link, its target in {@link Unix#extension}. */
    public static final int DMSYMLINK = 0x02000000;
    /** Mode bit (9P2000.u): a device, "b major minor" or "c major minor" in {@link Unix#extension}. */
    public static final int DMDEVICE = 0x00800000;
    /** Mode bit (9P2000.u): a named pipe. */
    public static final int DMNAMEDPIPE = 0x00200000;
    /** Mode bit (9P2000.u): a socket. */
    public static final int DMSOCKET = 0x00100000;
    /** Mode bit (9P2000.u): set-user-id. */
    public static final int DMSETUID = 0x00080000;
    /** Mode bit (9P2000.u): set-group-id. */
    public static final int DMSETGID = 0x00040000;

    /** Bytes of the fixed fields after size[2]: type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8]. */
    private static final int FIXED = 2 + 4 + Qid.WIRE_SIZE + 4 + 4 + 4 + 8;

    /** Bytes .u appends besides the extension's text: its length[2], n_uid[4] n_gid[4] n_muid[4]. */
    private static final int UNIX_FIXED = 2 + 4 + 4 + 4;

    /** Bytes this entry takes on the wire, its size[2] included: used to pack whole entries into a directory read. */
    public int wireSize() {
        int size = Short.BYTES
                + FIXED
                + text(common.name())
                + text(common.uid())
                + text(common.gid())
                + text(common.muid());
        return size
                + unix.map(u -> UNIX_FIXED + ByteBufUtil.utf8Bytes(u.extension()))
                        .orElse(0);
    }

    /** A string[s] as the codec writes it (WireWriter.string), counted without encoding it. */
    private static int text(String s) {
        return Short.BYTES + ByteBufUtil.utf8Bytes(s);
    }

    /**
     * The fields of 9P2000. Times are seconds since the epoch (u32), owner and group are names.
     *
     * @param type for kernel use (Plan 9 device type); 0 here
     * @param dev  for kernel use; 0 here
     * @param muid the user who last modified the file
     */
    public record Common(
            int type,
            int dev,
            Qid qid,
            int mode,
            int atime,
            int mtime,
            long length,
            String name,
            String uid,
            String gid,
            String muid) {}

    /**
     * The fields 9P2000.u appends (the Linux client's p9_wstat).
     *
     * @param extension a symlink's target, a device's "b|c major minor", a regular file's or directory's
     *                  "HARDLINKCOUNT n", else ""
     * @param nUid      numeric owner, {@link TMessage#NONUNAME} for none
     * @param nGid      numeric group
     * @param nMuid     numeric last modifier
     */
    public record Unix(String extension, int nUid, int nGid, int nMuid) {}
}
