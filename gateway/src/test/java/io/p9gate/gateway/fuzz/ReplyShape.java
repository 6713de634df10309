package io.p9gate.gateway.fuzz;

import io.netty.buffer.ByteBufUtil;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.StatFs;
import java.util.stream.Collectors;

/**
 * What of a reply two servers on two identical trees must agree on: its type, errno, data, sizes, modes, link
 * counts, listed names. Not inode numbers, times, qid versions, iounits, directory offsets or free space.
 */
final class ReplyShape {
    private ReplyShape() {}

    static String of(RMessage reply) {
        return switch (reply) {
            case RMessage.Rlerror(var errno) -> "Rlerror " + errno;
            case RMessage.Rwalk(var qids) ->
                "Rwalk " + qids.stream().map(ReplyShape::qid).toList();
            case RMessage.Rlopen(var q, var iounit) -> "Rlopen " + qid(q);
            case RMessage.Rlcreate(var q, var iounit) -> "Rlcreate " + qid(q);
            case RMessage.Rattach(var q) -> "Rattach " + qid(q);
            case RMessage.Rmkdir(var q) -> "Rmkdir " + qid(q);
            case RMessage.Rsymlink(var q) -> "Rsymlink " + qid(q);
            case RMessage.Rmknod(var q) -> "Rmknod " + qid(q);
            case RMessage.Ropen(var q, var iounit) -> "Ropen " + qid(q);
            case RMessage.Rcreate(var q, var iounit) -> "Rcreate " + qid(q);
            case RMessage.Rstat(var s) ->
                String.format(
                        "Rstat mode=%o length=%d name=%s %s",
                        s.common().mode(),
                        s.common().length(),
                        s.common().name(),
                        qid(s.common().qid()));
            case RMessage.Rread(var data) -> {
                byte[] bytes = ByteBufUtil.getBytes(data);
                yield "Rread " + bytes.length + " bytes sha=" + FuzzTree.digest(bytes);
            }
            case RMessage.Rgetattr(Attr a) ->
                String.format(
                        "Rgetattr mode=%o uid=%d gid=%d nlink=%d rdev=%d size=%d %s",
                        a.mode(), a.uid(), a.gid(), a.nlink(), a.rdev(), a.size(), qid(a.qid()));
            case RMessage.Rreaddir(var entries) ->
                "Rreaddir "
                        + entries.stream().map(e -> e.name() + ":" + e.type()).collect(Collectors.joining(","));
            case RMessage.Rstatfs(StatFs s) ->
                "Rstatfs type=" + s.type() + " bsize=" + s.bsize() + " namelen=" + s.namelen();
            case RMessage.Rgetlock g ->
                "Rgetlock type=" + g.lockType() + " start=" + g.start() + " length=" + g.length();
            default -> reply.toString();
        };
    }

    private static String qid(Qid q) {
        return "qid.type=" + q.type();
    }

    static String names(java.util.List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).collect(Collectors.joining(","));
    }
}
