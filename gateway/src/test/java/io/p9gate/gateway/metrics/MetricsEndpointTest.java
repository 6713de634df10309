package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /metrics over a unix socket and loopback tcp, parsed back as p9gate status reads it. */
class MetricsEndpointTest {
    @TempDir
    Path tmp;

    final AuditMetrics metrics = new AuditMetrics();

    @BeforeEach
    void someTraffic() {
        metrics.written(Records.attached("ivi"));
        metrics.written(Records.read("ivi", 4096));
        metrics.written(Records.deniedWalks("ivi", 7));
    }

    private static void assertTheTraffic(MetricSamples m) {
        assertEquals(1.0, m.sum("p9gate_requests_total", Map.of("vm", "ivi", "op", "read", "decision", "allow")));
        assertEquals(7.0, m.sum("p9gate_requests_total", Map.of("vm", "ivi", "op", "walk", "decision", "deny")));
        assertEquals(7.0, m.sum("p9gate_request_errors_total", Map.of("vm", "ivi", "errno", "EACCES")));
        assertEquals(4096.0, m.sum("p9gate_read_bytes_total", Map.of("vm", "ivi")));
        assertEquals(1.0, m.sum("p9gate_sessions", Map.of("vm", "ivi")));
    }

    @Test
    void servesOverAUnixSocketOnlyItsOwnerMayUse() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
            assertTheTraffic(MetricsScrape.from(MetricsAddress.parse("unix:" + socket)));
        }
        assertTrue(Files.notExists(socket, LinkOption.NOFOLLOW_LINKS), "closing removes the socket");
    }

    @Test
    void servesOverLoopbackTcp() throws Exception {
        var address = new MetricsAddress.Tcp(InetAddress.getLoopbackAddress(), 0);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(address, metrics.registry())) {
            int port = ((InetSocketAddress) endpoint.boundAddress()).getPort();
            assertTheTraffic(MetricsScrape.from(MetricsAddress.parse("tcp:127.0.0.1:" + port)));
        }
    }

    @Test
    void countsChangeBetweenScrapes() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())) {
            MetricsAddress address = new MetricsAddress.Unix(socket);
            assertEquals(4096.0, MetricsScrape.from(address).sum("p9gate_read_bytes_total"));
            metrics.written(Records.read("ivi", 100));
            assertEquals(4196.0, MetricsScrape.from(address).sum("p9gate_read_bytes_total"));
        }
    }

    @Test
    void onlyGetMetricsIsAnswered() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())) {
            assertTrue(raw(socket, "GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 404 "));
            assertTrue(raw(socket, "POST /metrics HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 405 "));
            assertTrue(raw(socket, "hello\r\n\r\n").startsWith("HTTP/1.0 400 "));
        }
    }

    /**
     * Red team (R-DEP-3): a peer that connects and sends nothing took one of the few scrape slots until it went away;
     * {@value MetricsEndpoint#CONCURRENT_SCRAPES} of them and every scrape was closed unanswered, for as long as they
     * stayed. Before: these reads never returned (the server kept the connections). Each is closed at the deadline.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void idleConnectionsAreClosedAtTheDeadlineAndScrapesGoOn() throws Exception {
        var address = new MetricsAddress.Tcp(InetAddress.getLoopbackAddress(), 0);
        try (MetricsEndpoint endpoint =
                MetricsEndpoint.start(address, metrics.registry(), bound -> {}, java.time.Duration.ofMillis(200))) {
            InetSocketAddress bound = (InetSocketAddress) endpoint.boundAddress();
            withIdleConnections(bound, idle -> {
                for (SocketChannel peer : idle) {
                    assertEquals(-1, peer.read(ByteBuffer.allocate(64)), "closed without an answer");
                }
            });
            assertTheTraffic(MetricsScrape.from(MetricsAddress.parse("tcp:127.0.0.1:" + bound.getPort())));
        }
    }

    /**
     * A local process that keeps every slot with connections that never finish their request (reconnecting
     * before the deadline) kept every scrape out: a scrape was closed unanswered. A new connection now takes the
     * slot of the oldest one still waiting for its request.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void connectionsThatSendNoRequestGiveTheirSlotToAScrape() throws Exception {
        var address = new MetricsAddress.Tcp(InetAddress.getLoopbackAddress(), 0);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(address, metrics.registry())) {
            InetSocketAddress bound = (InetSocketAddress) endpoint.boundAddress();
            withIdleConnections(bound, idle -> {
                // Accepted in order: each of these holds a slot before the scrape's connection is accepted.
                assertTheTraffic(MetricsScrape.from(MetricsAddress.parse("tcp:127.0.0.1:" + bound.getPort())));
                assertTrue(closedUnanswered(idle.getFirst()), "the oldest closed unanswered");
            });
        }
    }

    /**
     * Whether the peer closed {@code connection} without a byte of answer: an orderly end of stream, or a reset when
     * it closed the connection before reading what was sent on it (the kernel then answers with RST, not FIN).
     */
    private static boolean closedUnanswered(SocketChannel connection) throws IOException {
        try {
            return connection.read(ByteBuffer.allocate(64)) == -1;
        } catch (SocketException e) {
            if (e.getMessage() != null && e.getMessage().contains("Connection reset")) {
                return true;
            }
            throw e;
        }
    }

    interface IdleConnections {
        void check(List<SocketChannel> idle) throws Exception;
    }

    /** Runs {@code check} while as many connections as there are slots have sent the start of a request only. */
    private static void withIdleConnections(InetSocketAddress bound, IdleConnections check) throws Exception {
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < MetricsEndpoint.CONCURRENT_SCRAPES; i++) {
                SocketChannel peer = SocketChannel.open(bound);
                peer.write(ByteBuffer.wrap("GET /metr".getBytes(StandardCharsets.US_ASCII))); // and no more
                idle.add(peer);
            }
            check.check(idle);
        } finally {
            for (SocketChannel peer : idle) {
                peer.close();
            }
        }
    }

    private static String raw(Path socket, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /**
     * bind(2) makes the socket file with the process's umask: until its chmod to 0600 anyone who can reach its
     * directory could connect (the counters of every VM). It is bound where nobody else can reach it: in a private
     * directory (0700), not beside its final name in the shared directory.
     */
    @Test
    void theSocketIsBoundWhereNobodyElseCanReachItBeforeItsChmod() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        List<Path> boundAt = new ArrayList<>();
        List<String> parentMode = new ArrayList<>();
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry(), bound -> {
            boundAt.add(bound);
            parentMode.add(PosixFilePermissions.toString(uncheckedPermissions(bound.getParent())));
        })) {
            assertTheTraffic(MetricsScrape.from(new MetricsAddress.Unix(socket)));
        }
        assertEquals(1, boundAt.size());
        assertNotEquals(tmp, boundAt.getFirst().getParent(), "bound beside its final name, at the umask's mode");
        assertEquals(List.of("rwx------"), parentMode);
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "nothing left behind once closed");
        }
    }

    private static Set<PosixFilePermission> uncheckedPermissions(Path p) {
        try {
            return Files.getPosixFilePermissions(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aStaleSocketIsReplacedButAFileIsNot() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket)); // left behind by a killed gateway
        }
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())) {
            assertTheTraffic(MetricsScrape.from(new MetricsAddress.Unix(socket)));
        }
        Path file = Files.writeString(tmp.resolve("notes"), "keep me");
        IOException e = assertThrows(
                IOException.class, () -> MetricsEndpoint.start(new MetricsAddress.Unix(file), metrics.registry()));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    /**
     * The packaged unit's {@code --metrics unix:/run/p9gate/metrics.sock} with its directory missing (serve run by hand
     * before systemd made /run/p9gate) stopped serve with "metrics: cannot listen on unix:…/metrics.sock:
     * …/.p9m9236170120816086961": the private directory's name, which nobody gave, and no reason.
     */
    @Test
    void aSocketInAMissingDirectoryNamesTheDirectory() {
        Path socket = tmp.resolve("no-such-dir/metrics.sock");
        IOException e = assertThrows(
                IOException.class, () -> MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry()));
        assertEquals(
                "metrics: cannot listen on unix:" + socket + ": its directory " + socket.getParent()
                        + " does not exist",
                e.getMessage());
    }

    /**
     * A second gateway started with the same metrics address replaced the first one's live socket without a word
     * (the first kept serving, unreachable), and whichever stopped first removed the other's socket. A symbolic
     * link or a FIFO at the path was replaced too, although only a stale socket is to be.
     */
    @Test
    void aLiveSocketALinkOrAFifoIsNotReplaced() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        try (MetricsEndpoint _ = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())) {
            Object firstSocket =
                    Files.readAttributes(socket, BasicFileAttributes.class).fileKey();
            IOException e = assertThrows(
                    IOException.class,
                    () -> MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry())
                            .close());
            assertTrue(e.getMessage().contains("a running process listens on it"), e.getMessage());
            assertEquals(
                    firstSocket,
                    Files.readAttributes(socket, BasicFileAttributes.class).fileKey());
            assertTheTraffic(MetricsScrape.from(new MetricsAddress.Unix(socket)));
        }
        Path link = Files.createSymbolicLink(tmp.resolve("link.sock"), tmp.resolve("elsewhere"));
        Path fifo = tmp.resolve("fifo.sock");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        for (Path path : List.of(link, fifo)) {
            IOException e = assertThrows(
                    IOException.class,
                    () -> MetricsEndpoint.start(new MetricsAddress.Unix(path), metrics.registry())
                            .close());
            assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        }
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther());
    }

    /** An endpoint that stops removes its own socket, not one another process has put at its path since. */
    @Test
    void stoppingRemovesOnlyItsOwnSocket() throws Exception {
        Path socket = tmp.resolve("metrics.sock");
        MetricsEndpoint first = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry());
        Path other = tmp.resolve("other.sock");
        try (ServerSocketChannel second = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            second.bind(UnixDomainSocketAddress.of(other));
            Files.move(other, socket, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Object secondSocket =
                    Files.readAttributes(socket, BasicFileAttributes.class).fileKey();
            first.close();
            assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the other process's socket was removed");
            assertEquals(
                    secondSocket,
                    Files.readAttributes(socket, BasicFileAttributes.class).fileKey());
        }
        MetricsEndpoint third = MetricsEndpoint.start(new MetricsAddress.Unix(socket), metrics.registry());
        third.close();
        assertTrue(Files.notExists(socket, LinkOption.NOFOLLOW_LINKS), "its own socket is removed");
    }

    @Test
    void anUnreachableEndpointIsOneLine() {
        IOException e = assertThrows(
                IOException.class, () -> MetricsScrape.from(new MetricsAddress.Unix(tmp.resolve("none.sock"))));
        assertTrue(e.getMessage().startsWith("cannot reach the metrics endpoint unix:"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void addressesParseOrSayWhy() {
        assertEquals(
                new MetricsAddress.Unix(Path.of("/run/p9gate/metrics.sock")),
                MetricsAddress.parse("unix:/run/p9gate/metrics.sock"));
        assertTrue(MetricsAddress.parse("tcp:127.0.0.1:9464").hostOnly());
        assertTrue(MetricsAddress.parse("tcp:[::1]:9464").hostOnly());
        assertEquals(false, MetricsAddress.parse("tcp:0.0.0.0:9464").hostOnly());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("http://localhost:9464"));
        assertEquals("metrics address must be unix:PATH or tcp:HOST:PORT, not 'http://localhost:9464'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("tcp:127.0.0.1:99999"));
    }
}
