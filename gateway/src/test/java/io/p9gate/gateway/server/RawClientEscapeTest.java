package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.HostSwapper;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-CONF-1 over the wire: a raw 9P client (no kernel to sanitise its requests) attacks a running
 * gateway through a real TCP connection. A secret file sits beside the share; no request may read
 * it, and it must be unchanged afterwards.
 */
class RawClientEscapeTest {
    private static final String SECRET = "SECRET-OUTSIDE";
    private static final int ROOT = 0;

    @TempDir
    Path tmp;

    Path share;
    Path outside;
    Gateway gateway;
    P9Client client;

    @BeforeEach
    void start() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("file"), SECRET);
        Files.writeString(tmp.resolve("file"), SECRET);
        Files.writeString(share.resolve("inside.txt"), "inside");
        gateway = Gateway.start(new GatewayConfig(
                List.of(ListenSpec.parse("tcp:127.0.0.1:0")),
                new ShareServerFactory(Map.of("share", share)),
                65536,
                2));
        client = P9Client.open(gateway.boundAddresses().getFirst(), 65536);
        client.attach(ROOT, "root", "share", 0);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        gateway.close();
        assertEquals(SECRET, Files.readString(outside.resolve("file")), "the outside file is unchanged");
        assertEquals(SECRET, Files.readString(tmp.resolve("file")), "the file above the share is unchanged");
    }

    private String readAll(int fid) throws Exception {
        client.lopen(fid, 0);
        return new String(client.read(fid, 0, 4096), StandardCharsets.UTF_8);
    }

    @Test
    void dotDotWalksStopAtTheShareRoot() throws Exception {
        Qid root = client.getattr(ROOT, Attr.GETATTR_BASIC).qid();
        assertEquals(List.of(root, root, root), client.walk(ROOT, 1, "..", "..", ".."));
        assertEquals(2, client.walk(ROOT, 2, "..", "..", "file").size(), "the file above the share is not found");
        assertThrows(P9Exception.class, () -> client.walk(ROOT, 3, "../file"), "a name with a slash is refused");
        assertThrows(P9Exception.class, () -> client.walk(ROOT, 4, "/etc"), "an absolute name is refused");
    }

    @Test
    void symlinksPointingOutsideAreNeverFollowed() throws Exception {
        Files.createSymbolicLink(share.resolve("abs"), outside);
        Files.createSymbolicLink(share.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(share.resolve("absfile"), outside.resolve("file"));
        for (String link : List.of("abs", "rel")) {
            List<Qid> walked = client.walk(ROOT, 10, link, "file");
            assertEquals(1, walked.size(), "the walk stops at the symlink " + link);
            assertTrue((walked.getFirst().type() & Qid.QTSYMLINK) != 0, link + " is seen as a symlink");
        }
        client.walk(ROOT, 11, "absfile");
        assertEquals(outside.resolve("file").toString(), client.readlink(11), "readlink returns the text");
        assertThrows(P9Exception.class, () -> readAll(11), "opening a symlink fid never follows it");
        client.walk(ROOT, 12, "absfile");
        assertThrows(
                P9Exception.class,
                () -> client.rpc(new TMessage.Tlcreate(12, "x", 2, 0644, 0)),
                "a symlink fid is not a directory to create in");
    }

    @Test
    void hostSwappingADirectoryForASymlinkNeverLetsAWalkOut() throws Exception {
        Path dir = Files.createDirectories(share.resolve("dir"));
        Files.writeString(dir.resolve("file"), "inside");
        Files.createSymbolicLink(share.resolve("swap"), outside);
        int reads = 0;
        try (HostSwapper swapper = new HostSwapper(share.resolve("dir"), share.resolve("swap"))) {
            for (int i = 0; i < 2000; i++) {
                List<Qid> walked;
                try {
                    walked = client.walk(ROOT, 20, "dir", "file");
                } catch (P9Exception e) {
                    continue; // the entry was mid-exchange
                }
                if (walked.size() == 2) {
                    String content = readAll(20);
                    assertNotEquals(SECRET, content, "a walk reached the outside file");
                    assertEquals("inside", content);
                    reads++;
                    client.clunk(20);
                } // a partial walk creates no fid
            }
            assertTrue(swapper.swaps() > 50, "the host really raced: " + swapper.swaps() + " swaps");
        }
        assertTrue(reads > 0, "some walks went through the real directory");
    }
}
