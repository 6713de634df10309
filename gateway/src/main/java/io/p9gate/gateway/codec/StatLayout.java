package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.policy.dialect.Dialect;
import java.util.Optional;

/**
 * One stat(5) entry on the wire: size[2] and then the fields of 9P2000, followed in 9P2000.u by extension[s]
 * n_uid[4] n_gid[4] n_muid[4] (the Linux client's p9pdu "wwdQdddqssss?sddd"). Rstat carries one, a directory read
 * several back to back.
 */
final class StatLayout {
    private StatLayout() {}

    /** Reads one entry, which must fill exactly the size it gives: a .u tail in a 9P2000 session is malformed. */
    static Stat read(WireReader r, Dialect dialect) throws MalformedMessageException {
        WireReader s = r.shortSection("stat");
        var common = new Stat.Common(
                s.u16("type"),
                s.u32("dev"),
                s.qid("qid"),
                s.u32("mode"),
                s.u32("atime"),
                s.u32("mtime"),
                s.u64("length"),
                s.string("name"),
                s.string("uid"),
                s.string("gid"),
                s.string("muid"));
        Optional<Stat.Unix> unix = switch (dialect) {
            case U ->
                Optional.of(new Stat.Unix(s.string("extension"), s.u32("n_uid"), s.u32("n_gid"), s.u32("n_muid")));
            case L, LEGACY -> Optional.empty();
        };
        s.expectEnd("stat");
        return new Stat(common, unix);
    }

    /** Writes one entry with its size; the .u fields exactly when the stat has them. */
    static void write(ByteBuf out, Stat stat) {
        int start = out.writerIndex();
        out.writeShortLE(0);
        Stat.Common c = stat.common();
        out.writeShortLE(c.type());
        out.writeIntLE(c.dev());
        WireWriter.qid(out, c.qid());
        out.writeIntLE(c.mode());
        out.writeIntLE(c.atime());
        out.writeIntLE(c.mtime());
        out.writeLongLE(c.length());
        WireWriter.string(out, c.name());
        WireWriter.string(out, c.uid());
        WireWriter.string(out, c.gid());
        WireWriter.string(out, c.muid());
        stat.unix().ifPresent(u -> {
            WireWriter.string(out, u.extension());
            out.writeIntLE(u.nUid());
            out.writeIntLE(u.nGid());
            out.writeIntLE(u.nMuid());
        });
        int size = out.writerIndex() - start - Short.BYTES;
        if (size > 0xffff) {
            throw new IllegalArgumentException("stat entry longer than 65535 bytes: " + size);
        }
        out.setShortLE(start, size);
    }
}
