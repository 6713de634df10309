package io.p9gate.gateway.proto;

/**
 * 9P type bytes (include/net/9p/9p.h): every 9P2000.L type, and Rerror, the error reply of 9P2000 and 9P2000.u.
 * The codes below 100 exist only in 9P2000.L; Topen, Tcreate, Tstat and their replies only in 9P2000 and 9P2000.u.
 */
public enum MessageType {
    TLERROR(6),
    RLERROR(7),
    TSTATFS(8),
    RSTATFS(9),
    TLOPEN(12),
    RLOPEN(13),
    TLCREATE(14),
    RLCREATE(15),
    TSYMLINK(16),
    RSYMLINK(17),
    TMKNOD(18),
    RMKNOD(19),
    TRENAME(20),
    RRENAME(21),
    TREADLINK(22),
    RREADLINK(23),
    TGETATTR(24),
    RGETATTR(25),
    TSETATTR(26),
    RSETATTR(27),
    TXATTRWALK(30),
    RXATTRWALK(31),
    TXATTRCREATE(32),
    RXATTRCREATE(33),
    TREADDIR(40),
    RREADDIR(41),
    TFSYNC(50),
    RFSYNC(51),
    TLOCK(52),
    RLOCK(53),
    TGETLOCK(54),
    RGETLOCK(55),
    TLINK(70),
    RLINK(71),
    TMKDIR(72),
    RMKDIR(73),
    TRENAMEAT(74),
    RRENAMEAT(75),
    TUNLINKAT(76),
    RUNLINKAT(77),
    TVERSION(100),
    RVERSION(101),
    TAUTH(102),
    RAUTH(103),
    TATTACH(104),
    RATTACH(105),
    RERROR(107),
    TFLUSH(108),
    RFLUSH(109),
    TWALK(110),
    RWALK(111),
    TOPEN(112),
    ROPEN(113),
    TCREATE(114),
    RCREATE(115),
    TREAD(116),
    RREAD(117),
    TWRITE(118),
    RWRITE(119),
    TCLUNK(120),
    RCLUNK(121),
    TREMOVE(122),
    RREMOVE(123),
    TSTAT(124),
    RSTAT(125),
    TWSTAT(126),
    RWSTAT(127);

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

    /** Below this code, types exist only in 9P2000.L. */
    private static final int FIRST_SHARED = 100;

    /** True if the type exists only in 9P2000.L (Tlopen, Tgetattr, Rlerror, ...). */
    public boolean onlyInDotL() {
        return code < FIRST_SHARED;
    }

    /** True if the type exists in 9P2000 and 9P2000.u but not in 9P2000.L (Topen, Tstat: Tlopen and Tgetattr replace them). */
    public boolean notInDotL() {
        return switch (this) {
            case TSTAT, RSTAT, TOPEN, ROPEN, TCREATE, RCREATE, TWSTAT, RWSTAT -> true;
            default -> false;
        };
    }

    /** The type for a wire byte, or null if none is defined. */
    public static MessageType of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
