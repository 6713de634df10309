package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.session.FakeHandler;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unix listener's socket file deleted or replaced while the gateway runs: connect(2) finds a listener by the inode
 * at the path, so no VM could connect any more, and the gateway went on without a word until it was restarted. Its
 * socket is now bound again; a file the start would refuse too is kept, and reported, until it is gone.
 */
class LostSocketFileTest {
    @TempDir
    Path dir;

    /** The listener's socket file, set by {@link #start}. */
    private Path socket;

    private Gateway start() throws IOException {
        socket = dir.resolve("vm.sock");
        return Gateway.start(
                new GatewayConfig(List.of(new ListenSpec.Unix(socket)), new FakeHandler.Factory(), 8192, 2));
    }

    @Test
    void aDeletedSocketFileIsBoundAgainAndAVmConnects() throws Exception {
        try (Gateway gateway = start()) {
            SocketAddress address = gateway.boundAddresses().getFirst();
            Files.delete(socket);
            assertThrows(IOException.class, () -> SocketChannel.open(address).close(), "nothing to connect to");

            gateway.checkSocketFiles();

            assertTrue(isSocket(socket), "the socket file is back");
            try (P9Client vm = P9Client.open(address, 8192)) {
                assertTrue(vm.isOpen());
            }
            assertEquals(Map.of(), gateway.lostSocketFiles());
        }
        assertTrue(Files.notExists(socket, LinkOption.NOFOLLOW_LINKS), "removed at close as before");
    }

    @Test
    void aFileThatReplacedTheSocketIsKeptAndReportedUntilItIsGone() throws Exception {
        try (Gateway gateway = start()) {
            SocketAddress address = gateway.boundAddresses().getFirst();
            Files.delete(socket);
            Files.writeString(socket, "not the gateway's");

            gateway.checkSocketFiles();

            assertEquals("not the gateway's", Files.readString(socket), "not the gateway's to remove");
            assertEquals(
                    Map.of(
                            "unix:" + socket,
                            "its socket file was replaced by another file, and it cannot be bound again: refusing to"
                                    + " listen on " + socket + ": it exists and is not a socket"),
                    gateway.lostSocketFiles());
            assertEquals(Map.of("unix:" + socket, true), gateway.socketFilesLost(), "the metrics' gauge");

            Files.delete(socket);
            gateway.checkSocketFiles();
            assertEquals(Map.of(), gateway.lostSocketFiles());
            assertEquals(Map.of("unix:" + socket, false), gateway.socketFilesLost());
            try (P9Client vm = P9Client.open(address, 8192)) {
                assertTrue(vm.isOpen());
            }
        }
    }

    @Test
    void aFileThatReplacedTheSocketIsNotRemovedAtClose() throws Exception {
        Gateway gateway = start();
        Files.delete(socket);
        Files.writeString(socket, "not the gateway's");
        gateway.close();
        assertEquals("not the gateway's", Files.readString(socket));
    }

    private static boolean isSocket(Path path) throws IOException {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                && ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0140000;
    }
}
