package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One server under comparison: its connections, its share's attach name and host tree, its listing offsets. */
final class Target implements AutoCloseable {
    final String name;
    final Path tree;
    final String aname;
    final P9Client[] conns;
    /** The server maps the guest's ids (a policy's share): owners are not compared with the reference's. */
    final boolean idsMapped;
    /** (connection, fid) -> the offset of the last entry this server listed through that fid: where it continues. */
    private final Map<Long, Long> listed = new HashMap<>();

    Target(String name, Path tree, String aname, SocketAddress address, int connections, boolean idsMapped)
            throws Exception {
        this.name = name;
        this.idsMapped = idsMapped;
        this.tree = tree;
        this.aname = aname;
        conns = new P9Client[connections];
        for (int i = 0; i < connections; i++) {
            conns[i] = P9Client.open(address, DiodDifferentialFuzzTest.MSIZE);
            conns[i].timeout(java.time.Duration.ofSeconds(10));
        }
    }

    long continuation(int conn, int fid) {
        return listed.getOrDefault(((long) conn << 32) | fid, 0L);
    }

    void answered(int conn, int fid, RMessage reply) {
        if (reply instanceof RMessage.Rreaddir(List<DirEntry> entries) && !entries.isEmpty()) {
            listed.put(((long) conn << 32) | fid, entries.getLast().offset());
        }
    }

    /**
     * A shape without owners, and without set-id bits: a policy share without an id map shows owners as the
     * overflow id, and a VM sees no set-id bit of a file whose owner its map does not name (docs/filesystem.md).
     */
    static String withoutIds(String shape) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("mode=([0-7]+)").matcher(shape.replaceAll(" uid=\\d+ gid=\\d+", ""));
        return m.replaceAll(r -> "mode=" + Integer.toOctalString(Integer.parseInt(r.group(1), 8) & ~06000));
    }

    @Override
    public void close() {
        for (P9Client c : conns) {
            c.close();
        }
    }
}
