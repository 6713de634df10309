package io.p9gate.gateway.adversarial;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The names of the packed stat(5) entries a 9P2000 or 9P2000.u Tread of a directory answers, in order. */
final class StatEntryNames {
    private StatEntryNames() {}

    static List<String> of(byte[] read) {
        List<String> names = new ArrayList<>();
        ByteBuffer stats = ByteBuffer.wrap(read).order(ByteOrder.LITTLE_ENDIAN);
        while (stats.hasRemaining()) {
            int start = stats.position();
            int size = Short.toUnsignedInt(stats.getShort());
            // size[2] type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8] name[s]
            stats.position(start + 41);
            byte[] name = new byte[Short.toUnsignedInt(stats.getShort())];
            stats.get(name);
            names.add(new String(name, StandardCharsets.UTF_8));
            stats.position(start + 2 + size);
        }
        return names;
    }
}
