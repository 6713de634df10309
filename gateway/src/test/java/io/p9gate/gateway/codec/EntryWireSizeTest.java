package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Treaddir packs entries by {@link DirEntry#wireSize} and a 9P2000/.u directory read by {@link Stat#wireSize}: each
 * must be the bytes the encoder writes, or a reply packed to the guest's count overflows it. Host names are bytes,
 * read as DirReader reads them (UTF-8, each malformed byte U+FFFD); Java strings no decoder makes (lone surrogates)
 * are counted as the encoder writes them too.
 */
class EntryWireSizeTest {
    private static final Qid QID = new Qid(0, 0, 1L);
    /** Header size[4] type[1] tag[2] and the count[4] before the entries. */
    private static final int BEFORE_ENTRIES = 4 + 1 + 2 + 4;

    @Test
    void everyHostNameIsCountedAsTheEncoderWritesIt() {
        List<String> names = new ArrayList<>();
        for (byte[] raw : hostNames()) {
            byte[] terminated = Arrays.copyOf(raw, raw.length + 1);
            names.add(MemorySegment.ofArray(terminated).getString(0, StandardCharsets.UTF_8)); // as DirReader
        }
        names.addAll(List.of(
                "\uD800", "a\uDC00b", "\uD800\u00e9", "\uD800\u65e5", "\uDC00\uD800", "\uD800\uD800\uDC00", "x\uD800"));
        List<String> wrong = new ArrayList<>();
        for (String name : names) {
            DirEntry entry = new DirEntry(QID, 1, 0, name);
            int written = written(new RMessage.Rreaddir(List.of(entry)));
            Stat stat = new Stat(
                    new Stat.Common(0, 0, QID, 0, 0, 0, 0, name, name, "0", name),
                    Optional.of(new Stat.Unix(name, 0, 0, 0)));
            int writtenStat = written(new RMessage.Rdirread(List.of(stat)));
            if (written != entry.wireSize() || writtenStat != stat.wireSize()) {
                wrong.add(name.chars().mapToObj(c -> String.format("%04x", c)).toList() + ": readdir " + written
                        + " counted " + entry.wireSize() + ", stat " + writtenStat + " counted " + stat.wireSize());
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Every single byte, the classic malformed sequences, names of NAME_MAX bytes and random bytes. */
    private static List<byte[]> hostNames() {
        List<byte[]> raw = new ArrayList<>();
        for (int b = 1; b < 256; b++) {
            raw.add(new byte[] {(byte) b});
            raw.add(new byte[] {'a', (byte) b, 'b'});
        }
        for (String hex : List.of(
                "eda080",
                "edb080",
                "eda080edb080",
                "c0af",
                "e697",
                "f09f98",
                "f09f9880",
                "f4908080",
                "f888808080",
                "fffe",
                "c3",
                "e282")) {
            raw.add(HexFormat.of().parseHex(hex));
        }
        byte[] longest = new byte[255];
        Arrays.fill(longest, (byte) 0xff);
        raw.add(longest);
        Random random = new Random(38);
        for (int i = 0; i < 2000; i++) {
            byte[] name = new byte[1 + random.nextInt(255)];
            random.nextBytes(name);
            for (int j = 0; j < name.length; j++) {
                name[j] = name[j] == 0 ? 1 : name[j]; // a host name has no NUL
            }
            raw.add(name);
        }
        return raw;
    }

    /** The bytes of the reply's entries, as encoded. */
    private static int written(RMessage reply) {
        ByteBuf out = Unpooled.buffer();
        try {
            return MessageEncoder.writeHeaderAndBody(new Frame(1, reply), out) - BEFORE_ENTRIES;
        } finally {
            out.release();
        }
    }
}
