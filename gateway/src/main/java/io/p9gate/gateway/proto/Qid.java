package io.p9gate.gateway.proto;

/**
 * The server's identity for a file: 13 bytes on the wire (type[1] version[4] path[8]).
 *
 * @param type    QTDIR, QTSYMLINK, ... bits
 * @param version changes whenever the file's content changes (R-PROTO-4)
 * @param path    unique per (device, inode) within a share (R-PROTO-4)
 */
public record Qid(int type, int version, long path) {
    public static final int QTDIR = 0x80;
    public static final int QTAPPEND = 0x40;
    public static final int QTEXCL = 0x20;
    public static final int QTMOUNT = 0x10;
    public static final int QTAUTH = 0x08;
    public static final int QTTMP = 0x04;
    public static final int QTSYMLINK = 0x02;
    public static final int QTLINK = 0x01;
    public static final int QTFILE = 0x00;

    public static final int WIRE_SIZE = 13;

    public Qid {
        if ((type & ~0xff) != 0) {
            throw new IllegalArgumentException("qid type is one byte: " + type);
        }
    }

    public boolean isDirectory() {
        return (type & QTDIR) != 0;
    }
}
