package io.p9gate.gateway.proto;

/** 9P2000.L type bytes (include/net/9p/9p.h). Legacy 9P2000/.u requests are answered EOPNOTSUPP. */
public enum MessageType {
    TLERROR(6), RLERROR(7),
    TSTATFS(8), RSTATFS(9),
    TLOPEN(12), RLOPEN(13),
    TLCREATE(14), RLCREATE(15),
    TSYMLINK(16), RSYMLINK(17),
    TMKNOD(18), RMKNOD(19),
    TRENAME(20), RRENAME(21),
    TREADLINK(22), RREADLINK(23),
    TGETATTR(24), RGETATTR(25),
    TSETATTR(26), RSETATTR(27),
    TXATTRWALK(30), RXATTRWALK(31),
    TXATTRCREATE(32), RXATTRCREATE(33),
    TREADDIR(40), RREADDIR(41),
    TFSYNC(50), RFSYNC(51),
    TLOCK(52), RLOCK(53),
    TGETLOCK(54), RGETLOCK(55),
    TLINK(70), RLINK(71),
    TMKDIR(72), RMKDIR(73),
    TRENAMEAT(74), RRENAMEAT(75),
    TUNLINKAT(76), RUNLINKAT(77),
    TVERSION(100), RVERSION(101),
    TAUTH(102), RAUTH(103),
    TATTACH(104), RATTACH(105),
    TFLUSH(108), RFLUSH(109),
    TWALK(110), RWALK(111),
    TREAD(116), RREAD(117),
    TWRITE(118), RWRITE(119),
    TCLUNK(120), RCLUNK(121),
    TREMOVE(122), RREMOVE(123);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire byte, or null if 9P2000.L defines none. */
    public static MessageType of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
