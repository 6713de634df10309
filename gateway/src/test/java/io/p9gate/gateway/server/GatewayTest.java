package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.session.FakeHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listener setup: address order, Unix socket file handling, bind failures. */
class GatewayTest {
    @TempDir
    Path dir;

    private static GatewayConfig config(ListenSpec... specs) {
        return new GatewayConfig(List.of(specs), new FakeHandler.Factory(), GatewayConfig.DEFAULT_MSIZE, 2);
    }

    @Test
    void boundAddressesFollowTheListenerOrderAndResolvePortZero() throws Exception {
        Path sock = dir.resolve("a.sock");
        try (Gateway gateway = Gateway.start(config(new ListenSpec.Unix(sock), new ListenSpec.Tcp("127.0.0.1", 0)))) {
            List<?> bound = gateway.boundAddresses();
            assertEquals(UnixDomainSocketAddress.of(sock), bound.get(0));
            InetSocketAddress tcp = assertInstanceOf(InetSocketAddress.class, bound.get(1));
            assertTrue(tcp.getPort() > 0);
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        }
        assertFalse(Files.exists(sock), "socket file removed on close");
    }

    @Test
    void staleSocketIsReplaced() throws Exception {
        Path sock = dir.resolve("stale.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(sock));
        } // closed without unlinking: a stale socket file stays behind
        assertTrue(Files.exists(sock));
        try (Gateway gateway = Gateway.start(config(new ListenSpec.Unix(sock)));
                P9Client client = P9Client.open(gateway.boundAddresses().getFirst(), 8192)) {
            assertEquals(8192, client.msize());
        }
    }

    @Test
    void liveSocketIsNotStolen() throws Exception {
        Path sock = dir.resolve("live.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(sock));
            IOException e = assertThrows(IOException.class, () -> Gateway.start(config(new ListenSpec.Unix(sock))));
            assertTrue(e.getMessage().contains("another process"), e.getMessage());
        }
    }

    @Test
    void nonSocketFileIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("precious.txt"), "data");
        IOException e = assertThrows(IOException.class, () -> Gateway.start(config(new ListenSpec.Unix(file))));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("data", Files.readString(file));
    }

    @Test
    void portInUseFailsAndReleasesWhatWasBound() throws Exception {
        Path sock = dir.resolve("first.sock");
        try (Gateway first = Gateway.start(config(new ListenSpec.Tcp("127.0.0.1", 0)))) {
            int port = ((InetSocketAddress) first.boundAddresses().getFirst()).getPort();
            IOException e = assertThrows(
                    IOException.class,
                    () -> Gateway.start(config(new ListenSpec.Unix(sock), new ListenSpec.Tcp("127.0.0.1", port))));
            assertTrue(e.getMessage().startsWith("cannot listen on tcp:127.0.0.1:" + port), e.getMessage());
            assertFalse(Files.exists(sock), "the listener bound before the failure is closed again");
        }
    }

    @Test
    void configIsValidated() {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        ListenSpec tcp = new ListenSpec.Tcp("127.0.0.1", 0);
        assertThrows(IllegalArgumentException.class, () -> new GatewayConfig(List.of(), handlers, 8192, 1));
        assertThrows(IllegalArgumentException.class, () -> new GatewayConfig(List.of(tcp), handlers, 100, 1));
        assertThrows(IllegalArgumentException.class, () -> new GatewayConfig(List.of(tcp), handlers, 1 << 24, 1));
        assertThrows(IllegalArgumentException.class, () -> new GatewayConfig(List.of(tcp), handlers, 8192, 0));
        assertThrows(IllegalArgumentException.class, () -> new GatewayConfig(List.of(tcp), handlers, 8192, 1, 0));
    }
}
