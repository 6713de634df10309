package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Red team (R-ROB-1, stat(5)): a Twstat (and an Rstat, which the client reads) nests lengths: nstat[2], the entry's
 * own size[2], and a u16 length before each string (name, uid, gid, muid, .u's extension). A hostile guest makes
 * each of them lie (0, 1, one short or long, past the frame, 0xFFFF) with every other byte as sent. Each such body is
 * a malformed request (EPROTO or EINVAL, the session answers it and stays up), never another exception, never read
 * as a wstat other than the bytes say: a body that still decodes must be exactly what its decoding encodes back to.
 */
class StatSizeLiesTest {
    /** Two bytes of UTF-8 in every string, so that a length one off lands inside another field. */
    private static final String NAME = "n\u00e9";

    @Test
    void everyNestedLengthThatLiesIsAMalformedBody() {
        List<String> accepted = new ArrayList<>();
        int bodies = 0;
        for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
            boolean unix = dialect == Dialect.U;
            var common = new Stat.Common(1, 2, new Qid(0, 3, 4), 0644, 5, 6, 7, NAME, NAME, NAME, NAME);
            Stat stat = new Stat(common, unix ? Optional.of(new Stat.Unix(NAME, 1, 2, 3)) : Optional.empty());
            for (boolean request : List.of(true, false)) {
                Message message = request ? new TMessage.Twstat(1, stat) : new RMessage.Rstat(stat);
                byte[] body = body(message);
                // fid[4] before nstat in Twstat; Rstat begins with it.
                int nstat = request ? 4 : 0;
                List<Integer> lengths = new ArrayList<>(List.of(nstat, nstat + 2));
                // size[2] type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8], then the strings.
                int string = nstat + 2 + 2 + 2 + 4 + 13 + 4 + 4 + 4 + 8;
                for (int i = 0; i < (unix ? 5 : 4); i++) {
                    lengths.add(string);
                    string += 2 + 3;
                }
                for (int at : lengths) {
                    int truth = (body[at] & 0xff) | (body[at + 1] & 0xff) << 8;
                    Set<Integer> lies = new TreeSet<>(List.of(
                            0, 1, 2, 3, truth - 2, truth - 1, truth + 1, truth + 2, body.length, 0x7fff, 0xffff));
                    lies.remove(truth);
                    for (int lie : lies) {
                        if (lie < 0) {
                            continue;
                        }
                        bodies++;
                        byte[] bytes = body.clone();
                        bytes[at] = (byte) lie;
                        bytes[at + 1] = (byte) (lie >>> 8);
                        String what = dialect + " " + message.getClass().getSimpleName() + " length at " + at + " "
                                + truth + " -> " + lie;
                        String read = decodedUnlessMalformed(message, bytes, dialect, request);
                        if (read != null) {
                            accepted.add(what + ": " + read);
                        }
                    }
                }
                // Bytes after the entry inside what its sizes say: each size grown by the bytes added at the end.
                for (int extra = 1; extra <= 3; extra++) {
                    for (List<Integer> grown : List.of(List.of(nstat), List.of(nstat + 2), List.of(nstat, nstat + 2))) {
                        bodies++;
                        byte[] bytes = Arrays.copyOf(body, body.length + extra);
                        for (int at : grown) {
                            int grownTo = (bytes[at] & 0xff) + (bytes[at + 1] & 0xff) * 256 + extra;
                            bytes[at] = (byte) grownTo;
                            bytes[at + 1] = (byte) (grownTo >>> 8);
                        }
                        String what = dialect + " " + message.getClass().getSimpleName() + " " + extra
                                + " bytes more, sizes at " + grown;
                        String read = decodedUnlessMalformed(message, bytes, dialect, request);
                        if (read != null) {
                            accepted.add(what + ": " + read);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), accepted, bodies + " bodies");
    }

    private static byte[] body(Message message) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(1, message), wire);
        wire.skipBytes(Frame.HEADER_SIZE);
        byte[] body = ByteBufUtil.getBytes(wire);
        wire.release();
        return body;
    }

    /**
     * Null if {@code bytes} is refused as malformed (EPROTO or EINVAL); else what was read, unless it encodes back to
     * exactly these bytes (a consistent reading of a lie that happens to be a valid body).
     */
    private static String decodedUnlessMalformed(Message original, byte[] bytes, Dialect dialect, boolean request) {
        Message read;
        try {
            read = MessageDecoder.decode(
                    MessageEncoder.typeCode(original),
                    Unpooled.wrappedBuffer(bytes),
                    request ? Direction.REQUESTS : Direction.REPLIES,
                    dialect);
        } catch (MalformedMessageException e) {
            return e.errno() == Errno.EPROTO || e.errno() == Errno.EINVAL ? null : "errno " + e.errno();
        } catch (RuntimeException e) {
            return "threw " + e;
        }
        byte[] again = body(read);
        return Arrays.equals(again, bytes)
                ? null
                : read + " from " + HexFormat.of().formatHex(bytes);
    }
}
