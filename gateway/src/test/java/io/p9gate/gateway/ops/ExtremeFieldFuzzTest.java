package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every request type of each dialect with fields at their edges (0, ~0, 2^31, 2^63, ...) against a real share: each
 * is answered a reply or an errno, never a fault the handler did not expect (EIO and an ERROR line), and each reply
 * encodes within msize.
 */
class ExtremeFieldFuzzTest extends ShareTestBase {
    private static final int[] INTS = {
        0,
        1,
        2,
        3,
        -1,
        -2,
        Integer.MIN_VALUE,
        Integer.MAX_VALUE,
        0xffff,
        0x10000,
        0777,
        0100644,
        040755,
        0x80000000 | 0644,
        0x01000000,
        0x00800000,
        0x00100000,
        0x00400000,
        0x02000000
    };
    private static final long[] LONGS = {
        0, 1, -1, -2, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 1L << 62, 4096, (1L << 63) - 4096, 0xffffffffL
    };
    private static final List<String> NAMES =
            List.of("a", "b", "d", "f", "l", "", ".", "..", "x/y", "n".repeat(255), "n".repeat(256), "\u00e9", "sub");

    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("f"), "content");
        Files.createDirectory(share.resolve("d"));
        Files.createSymbolicLink(share.resolve("l"), share.resolve("f").getFileName());
    }

    @Test
    void edgeValuesInEveryDialect() throws Exception {
        List<String> faults = new ArrayList<>();
        for (Dialect dialect : Dialect.values()) {
            for (int seed = 0; seed < 40; seed++) {
                Random r = new Random(seed * 31L + dialect.ordinal());
                try (TestSession t = TestSession.attached(factory, dialect)) {
                    for (int i = 0; i < 150; i++) {
                        TMessage.FileRequest request = request(r, dialect);
                        try {
                            RMessage reply = t.call(request);
                            ByteBuf out = Unpooled.buffer();
                            try {
                                int size = MessageEncoder.writeHeaderAndBody(new Frame(1, reply), out);
                                if (size > TestSession.MSIZE) {
                                    faults.add(dialect + " " + request + " -> " + size + " bytes");
                                }
                            } catch (RuntimeException e) {
                                faults.add(dialect + " " + request + " -> encoding " + e);
                            } finally {
                                out.release();
                                CodecBuffers.releasePayload(reply);
                            }
                        } catch (P9Exception e) {
                            if (e.errno() == Errno.EIO) {
                                faults.add(dialect + " " + request + " -> EIO " + e.getMessage());
                            }
                        } catch (RuntimeException | Error e) {
                            faults.add(dialect + " " + request + " -> " + e);
                        } finally {
                            CodecBuffers.releasePayload(request);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), faults);
    }

    private static int i(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt() : INTS[r.nextInt(INTS.length)];
    }

    private static long l(Random r) {
        return r.nextInt(3) == 0 ? r.nextLong() : LONGS[r.nextInt(LONGS.length)];
    }

    private static int fid(Random r) {
        return r.nextInt(10) == 0 ? i(r) : r.nextInt(6);
    }

    private static String name(Random r) {
        return NAMES.get(r.nextInt(NAMES.size()));
    }

    private static TMessage.FileRequest request(Random r, Dialect dialect) {
        boolean dotL = dialect == Dialect.L;
        int pick = r.nextInt(dotL ? 30 : 12);
        if (!dotL) {
            return switch (pick) {
                case 0, 1 -> new TMessage.Twalk(fid(r), fid(r), walk(r));
                case 2 -> new TMessage.Topen(fid(r), r.nextInt(256));
                case 3 ->
                    new TMessage.Tcreate(
                            fid(r),
                            name(r),
                            i(r),
                            r.nextInt(256),
                            dialect == Dialect.U ? Optional.of(ext(r)) : Optional.empty());
                case 4 -> new TMessage.Tread(fid(r), l(r), i(r));
                case 5 -> new TMessage.Twrite(fid(r), l(r), Unpooled.wrappedBuffer(new byte[r.nextInt(3) * 50]));
                case 6 -> new TMessage.Tstat(fid(r));
                case 7 -> new TMessage.Twstat(fid(r), stat(r, dialect));
                case 8 -> new TMessage.Tclunk(fid(r));
                case 9 -> new TMessage.Tremove(fid(r));
                case 10 -> new TMessage.Tauth(fid(r), name(r), "share", i(r));
                default -> new TMessage.Tattach(fid(r), r.nextBoolean() ? TMessage.NOFID : i(r), "u", name(r), i(r));
            };
        }
        return switch (pick) {
            case 0, 1 -> new TMessage.Twalk(fid(r), fid(r), walk(r));
            case 2 -> new TMessage.Tlopen(fid(r), i(r));
            case 3 -> new TMessage.Tlcreate(fid(r), name(r), i(r), i(r), i(r));
            case 4 -> new TMessage.Tread(fid(r), l(r), i(r));
            case 5 -> new TMessage.Twrite(fid(r), l(r), Unpooled.wrappedBuffer(new byte[r.nextInt(3) * 50]));
            case 6 -> new TMessage.Tclunk(fid(r));
            case 7 -> new TMessage.Tremove(fid(r));
            case 8 -> new TMessage.Tstatfs(fid(r));
            case 9 -> new TMessage.Tsymlink(fid(r), name(r), r.nextBoolean() ? name(r) : "t".repeat(5000), i(r));
            case 10 -> new TMessage.Tmknod(fid(r), name(r), i(r), i(r), i(r), i(r));
            case 11 -> new TMessage.Trename(fid(r), fid(r), name(r));
            case 12 -> new TMessage.Treadlink(fid(r));
            case 13 -> new TMessage.Tgetattr(fid(r), l(r));
            case 14 -> new TMessage.Tsetattr(fid(r), new SetAttr(i(r), i(r), i(r), i(r), l(r), l(r), l(r), l(r), l(r)));
            case 15 -> new TMessage.Txattrwalk(fid(r), fid(r), r.nextBoolean() ? "" : "user." + name(r));
            case 16 -> new TMessage.Txattrcreate(fid(r), "user." + name(r), r.nextBoolean() ? l(r) : 10, i(r));
            case 17 -> new TMessage.Treaddir(fid(r), l(r), i(r));
            case 18 -> new TMessage.Tfsync(fid(r), i(r));
            case 19 -> new TMessage.Tlock(fid(r), r.nextInt(256), i(r), l(r), l(r), i(r), name(r));
            case 20 -> new TMessage.Tgetlock(fid(r), r.nextInt(256), l(r), l(r), i(r), name(r));
            case 21 -> new TMessage.Tlink(fid(r), fid(r), name(r));
            case 22 -> new TMessage.Tmkdir(fid(r), name(r), i(r), i(r));
            case 23 -> new TMessage.Trenameat(fid(r), name(r), fid(r), name(r));
            case 24 -> new TMessage.Tunlinkat(fid(r), name(r), i(r));
            case 25 -> new TMessage.Tauth(fid(r), name(r), "share", i(r));
            case 26 -> new TMessage.Tattach(fid(r), r.nextBoolean() ? TMessage.NOFID : i(r), "u", name(r), i(r));
            default -> new TMessage.Tlopen(fid(r), r.nextBoolean() ? 0 : 2);
        };
    }

    private static List<String> walk(Random r) {
        List<String> names = new ArrayList<>();
        for (int n = r.nextInt(4); n > 0; n--) {
            names.add(name(r));
        }
        return names;
    }

    private static String ext(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "";
            case 1 -> "b 1 2";
            case 2 -> "c 4294967295 99999999999";
            case 3 -> "1\n";
            case 4 -> "f";
            default -> "x".repeat(r.nextInt(5000));
        };
    }

    private static Stat stat(Random r, Dialect dialect) {
        var common = new Stat.Common(
                r.nextInt(0x10000),
                i(r),
                new Qid(r.nextInt(256), i(r), l(r)),
                i(r),
                i(r),
                i(r),
                l(r),
                r.nextBoolean() ? "" : name(r),
                r.nextBoolean() ? "" : String.valueOf(i(r)),
                r.nextBoolean() ? "" : name(r),
                "");
        return new Stat(
                common, dialect == Dialect.U ? Optional.of(new Stat.Unix(ext(r), i(r), i(r), i(r))) : Optional.empty());
    }
}
