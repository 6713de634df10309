package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.ids.IdRange;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 14 against R-POL-2: a deny of every read kind on {@code /box/*} lets a guest see the letters'
 * names in a listing of {@code /box} (READDIR of {@code /box} is allowed) but neither walk to one nor stat it. Over
 * 9P2000.L that holds: Twalk is EACCES, so no Tgetattr. Over 9P2000.u a Tread of the directory opened by Topen
 * answers whole stat(5) entries, and the gateway filled each with what getattr would show, never asking the policy:
 * the guest read each letter's size, mtime, owner and mode. An entry whose WALK or GETATTR the policy refuses is
 * listed with its name, qid and type only, as a walk and getattr of it would show nothing more.
 */
class LegacyListingAttributesAttackTest {
    private static final long MTIME = 1_234_567_890L;

    @TempDir
    Path tmp;

    @Test
    void aListingShowsNoAttributesTheGuestMayNotGet() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: box, effect: deny, ops: [read, write], paths: ["/box/*"]}
                """, "data")) {
            Path box = Files.createDirectories(gw.share("data").resolve("box"));
            Files.writeString(box.resolve("letter"), "x".repeat(1234));
            Files.setLastModifiedTime(box.resolve("letter"), FileTime.fromMillis(MTIME * 1000));
            Files.writeString(gw.share("data").resolve("open"), "y".repeat(77));
            try (P9Client guest = gw.attached("data", 0)) {
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.walk(0, 1, "box", "letter"))
                                .errno(),
                        "9P2000.L: the letter cannot be reached, so not stat'ed");
            }
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);

                Map<String, long[]> box9u = listing(guest, "box");
                assertTrue(box9u.containsKey("letter"), "the name is listed, as READDIR allows: " + box9u.keySet());
                assertEquals(0, box9u.get("letter")[0], "the letter's size leaked");
                assertEquals(0, box9u.get("letter")[1], "the letter's mtime leaked");
                assertEquals(
                        IdRange.MAX_ID,
                        box9u.get("letter")[2],
                        "the overflow owner, not guest nobody, who would own it");

                Map<String, long[]> root = listing(guest, null);
                assertEquals(77, root.get("open")[0], "an entry the guest may stat is described as before");
            }
        }
    }

    /**
     * The same leak through the two entries every listing has: a deny of GETATTR on {@code /box/**} refuses Tstat of
     * {@code /box} and of {@code /box/sub}, but a listing of {@code /box} showed its {@code .} and a listing of
     * {@code /box/sub} its {@code ..} (both {@code /box}) with every attribute, and {@code .} of {@code /sub} too:
     * "." and ".." were described without asking the policy. They are judged as the directory and its parent.
     */
    @Test
    void theDotEntriesShowNoAttributesTheGuestMayNotGet() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: nostat, effect: deny, ops: [GETATTR], paths: ["/box/**"]}
                """, "data")) {
            Path box =
                    Files.createDirectories(gw.share("data").resolve("box/sub")).getParent();
            Files.setLastModifiedTime(box.resolve("sub"), FileTime.fromMillis(MTIME * 1000));
            Files.setLastModifiedTime(box, FileTime.fromMillis(MTIME * 1000));
            Files.setLastModifiedTime(gw.share("data"), FileTime.fromMillis(MTIME * 1000));
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "box");
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.rpc(new TMessage.Tstat(1)))
                                .errno(),
                        "the guest may not stat /box");
                guest.clunk(1);

                assertEquals(0, listing(guest, "box").get(".")[1], "/box's mtime leaked through its '.'");
                Map<String, long[]> sub = listing(guest, "box/sub");
                assertEquals(0, sub.get("..")[1], "/box's mtime leaked through /box/sub's '..'");
                assertEquals(0, sub.get(".")[1], "/box/sub's mtime leaked through its '.'");
                assertEquals(MTIME, listing(guest, "box").get("..")[1], "the root may be stat'ed: described");
            }
        }
    }

    /** Name to {length, mtime, n_uid} of each stat(5) entry of a 9P2000.u directory read of {@code dir} (null: the root). */
    private static Map<String, long[]> listing(P9Client guest, String dir) throws Exception {
        int fid = 7;
        if (dir == null) {
            guest.walk(0, fid);
        } else {
            guest.walk(0, fid, dir.split("/"));
        }
        guest.rpc(new TMessage.Topen(fid, 0));
        Map<String, long[]> out = new HashMap<>();
        long offset = 0;
        while (true) {
            RMessage.Rread r = (RMessage.Rread) guest.rpc(new TMessage.Tread(fid, offset, 8000));
            ByteBuf b = r.data();
            try {
                if (b.readableBytes() == 0) {
                    break;
                }
                offset += b.readableBytes();
                while (b.isReadable()) {
                    int start = b.readerIndex();
                    int size = b.readUnsignedShortLE();
                    long mtime = b.getUnsignedIntLE(start + 29);
                    long length = b.getLongLE(start + 33);
                    int nameLength = b.getUnsignedShortLE(start + 41);
                    String name = b.toString(start + 43, nameLength, StandardCharsets.UTF_8);
                    long nUid = b.getUnsignedIntLE(start + 2 + size - 12); // n_uid n_gid n_muid end the entry
                    out.put(name, new long[] {length, mtime, nUid});
                    b.readerIndex(start + 2 + size);
                }
            } finally {
                b.release();
            }
        }
        guest.clunk(fid);
        return out;
    }
}
