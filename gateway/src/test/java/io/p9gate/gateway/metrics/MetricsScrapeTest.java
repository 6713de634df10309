package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate status} pointed at something that is not the gateway's metrics endpoint: a peer that accepts and
 * never answers (or echoes the request back and keeps the connection) hung status forever; one that sends without
 * end filled its heap. Both must be one line, in bounded time and memory.
 */
class MetricsScrapeTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A unix socket whose peer runs {@code peer} on each accepted connection. */
    private MetricsAddress.Unix peer(PeerLoop peer) throws IOException {
        Path socket = tmp.resolve("peer.sock");
        ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        open.add(server);
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    SocketChannel c = server.accept();
                    open.add(c);
                    Thread.ofVirtual().start(() -> {
                        try {
                            peer.serve(c);
                        } catch (IOException | InterruptedException e) {
                            // the scrape gave up and closed: what the test wants
                        }
                    });
                }
            } catch (IOException e) {
                // closed after the test
            }
        });
        return new MetricsAddress.Unix(socket);
    }

    interface PeerLoop {
        void serve(SocketChannel c) throws IOException, InterruptedException;
    }

    @Test
    void aPeerThatNeverAnswersTimesOut() throws Exception {
        MetricsAddress.Unix silent = peer(c -> Thread.sleep(60_000));
        IOException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(IOException.class, () -> MetricsScrape.from(silent, Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains("did not answer within 1 s"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aPeerThatSendsWithoutEndIsCutOff() throws Exception {
        MetricsAddress.Unix flood = peer(c -> {
            ByteBuffer junk = ByteBuffer.allocate(1 << 16);
            while (true) {
                junk.clear();
                c.write(junk);
            }
        });
        IOException e = assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> assertThrows(IOException.class, () -> MetricsScrape.from(flood, Duration.ofSeconds(30))));
        assertTrue(e.getMessage().contains("answered more than"), e.getMessage());
    }

    /**
     * The error quotes the peer's line; a peer that answers one line of a megabyte made that one error line a
     * megabyte long on the operator's terminal. It is cut to its start.
     */
    @Test
    void aHugeLineIsQuotedOnlyInPart() throws Exception {
        String huge = "x".repeat(1 << 20);
        for (String answer : List.of("HTTP/1.0 200 OK\r\n\r\n" + huge + "\n", "HTTP/1.0 " + huge + "\r\n\r\n")) {
            java.nio.file.Files.deleteIfExists(tmp.resolve("peer.sock"));
            MetricsAddress.Unix peer = peer(c -> {
                c.read(ByteBuffer.allocate(4096));
                c.write(ByteBuffer.wrap(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                c.close();
            });
            IOException e = assertThrows(IOException.class, () -> MetricsScrape.from(peer, Duration.ofSeconds(30)));
            String message = e.getMessage();
            assertTrue(message.length() < 400, "a message of " + message.length() + " characters");
            assertTrue(message.contains("xxx... ("), message);
        }
    }

    /**
     * A peer that closes the connection with the request unread made status say only "Broken pipe" (or
     * "Connection reset"), and one that closed it without a byte "answered '', not metrics": neither named the
     * endpoint nor what happened. The gateway itself closes a connection unanswered when it is serving its most scrapes.
     */
    @Test
    void aConnectionClosedWithoutAnAnswerSaysSo() throws Exception {
        List<PeerLoop> peers = List.of(SocketChannel::close, c -> {
            c.read(ByteBuffer.allocate(4096));
            c.close();
        });
        List<String> expected = List.of("broke off the connection before its answer ended (", "without an answer");
        for (int i = 0; i < peers.size(); i++) {
            java.nio.file.Files.deleteIfExists(tmp.resolve("peer.sock"));
            MetricsAddress.Unix peer = peer(peers.get(i));
            IOException e = assertThrows(IOException.class, () -> MetricsScrape.from(peer, Duration.ofSeconds(30)));
            assertTrue(e.getMessage().startsWith(peer.describe() + " "), e.getMessage());
            assertTrue(e.getMessage().contains(expected.get(i)), e.getMessage());
        }
    }
}
