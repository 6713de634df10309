package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.p9gate.gateway.net.Transports;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Unix listener's file, step by step as {@link Gateway} drives its binder (configure, bind, bound): between
 * bind(2) and the chmod, the socket must not be at its path, where any local user could connect to it (with the
 * process's umask, 0755 or looser) or swap the path before the chmod follows it.
 */
class UnixBinderTest {
    @TempDir
    Path dir;

    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = Transports.newGroup(1, Executors.defaultThreadFactory());
    }

    @AfterEach
    void shutdown() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private Channel bind(UnixBinder binder) throws Exception {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(new ChannelInboundHandlerAdapter());
        binder.configure(bootstrap);
        return bootstrap.bind(binder.address()).sync().channel();
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void theSocketAppearsAtItsPathOnlyWithItsConfiguredMode() throws Exception {
        Path sock = dir.resolve("vm.sock");
        UnixBinder binder = new UnixBinder(new ListenSpec.Unix(sock, new ListenSpec.SocketAccess(-1, -1, 0600)));
        Channel server = bind(binder);
        try {
            assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "bound, not yet restricted: not at its path");
            for (Path p : listing()) { // what is bound meanwhile sits in a directory only this user may enter
                assertEquals(
                        "rwx------",
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
                        p.toString());
            }
            binder.bound(server);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            for (Path p : listing()) { // beside the socket only its staging directory, empty, until the close
                if (!p.equals(sock)) {
                    assertEquals(
                            "rwx------",
                            PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
                            p.toString());
                    assertEquals(List.of(), listing(p), "the staging name of the socket is gone");
                }
            }
            assertEquals(2, listing().size(), "the socket and its staging directory: " + listing());
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                assertTrue(client.connect(UnixDomainSocketAddress.of(sock)), "the listener is reachable at its path");
            }
        } finally {
            server.close().sync();
            binder.unbound();
        }
        assertEquals(List.of(), listing(), "socket file removed on close");
    }

    @Test
    void aFileThatAppearsAtThePathMeanwhileIsKept() throws Exception {
        Path sock = dir.resolve("vm.sock");
        UnixBinder binder = new UnixBinder(new ListenSpec.Unix(sock));
        Channel server = bind(binder);
        try {
            Files.writeString(sock, "data");
            assertThrows(IOException.class, () -> binder.bound(server));
        } finally {
            server.close().sync();
            binder.unbound();
        }
        assertEquals("data", Files.readString(sock));
        assertEquals(List.of(sock), listing(), "no staging directory left");
    }

    @Test
    void aFailedBindLeavesNothingBehind() throws Exception {
        Path sock = dir.resolve("vm.sock");
        UnixBinder binder = new UnixBinder(new ListenSpec.Unix(sock));
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(new ChannelInboundHandlerAdapter());
        binder.configure(bootstrap);
        binder.unbound(); // Gateway after a bind that failed
        assertEquals(List.of(), listing());
    }

    /** A directory under the test's whose absolute path is {@code bytes} long. */
    private Path directoryOfLength(int bytes) throws IOException {
        int base = dir.toAbsolutePath().toString().length() + 1;
        return Files.createDirectory(dir.resolve("d".repeat(bytes - base)));
    }

    private List<Path> listing(Path of) throws IOException {
        try (Stream<Path> files = Files.list(of)) {
            return files.toList();
        }
    }

    /**
     * sun_path holds 107 bytes and a NUL. A path longer than that was refused by bind(2); the socket is now bound
     * at a shorter staging path and linked there, where no client could ever connect by its name: the start must
     * still fail, saying why, before anything is made.
     */
    @Test
    void aPathLongerThanASocketPathMayBeIsRefusedBeforeAnythingIsMade() throws Exception {
        Path parent = directoryOfLength(80);
        Path sock = parent.resolve("v".repeat(30) + ".sock"); // 116 bytes; its staging path is 92
        UnixBinder binder = new UnixBinder(new ListenSpec.Unix(sock));
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(new ChannelInboundHandlerAdapter());
        IOException e = assertThrows(IOException.class, () -> binder.configure(bootstrap));
        assertTrue(e.getMessage().contains("107"), e.getMessage());
        binder.unbound();
        assertEquals(List.of(), listing(parent));
    }

    /**
     * A path that fits in sun_path, in a directory so long that the staging path beside it (12 bytes past the
     * directory) does not: refused with a message that says so, not with bind(2)'s bare ENAMETOOLONG for a path the
     * configuration never named.
     */
    @Test
    void aPathWhoseStagingPathCannotBeBoundIsRefusedClearly() throws Exception {
        Path parent = directoryOfLength(100);
        Path sock = parent.resolve("v.sock"); // 107 bytes: bind(2) takes it; its staging path is 112
        UnixBinder binder = new UnixBinder(new ListenSpec.Unix(sock));
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(new ChannelInboundHandlerAdapter());
        IOException e = assertThrows(IOException.class, () -> binder.configure(bootstrap));
        assertTrue(e.getMessage().contains("107") && e.getMessage().contains(sock.toString()), e.getMessage());
        binder.unbound();
        assertEquals(List.of(), listing(parent));
    }
}
