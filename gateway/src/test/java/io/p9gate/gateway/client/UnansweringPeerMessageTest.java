package io.p9gate.gateway.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * What the client (and so {@code p9gate compliance}) says of a peer that does not answer as a 9P server. Before, a
 * peer that was not one (an HTTP server answering "HTTP/1.1 400", whose first four bytes read as a frame size of
 * 1,347,703,880) was only "connection closed", and a stalled one "no reply to tag 65535 within PT1M".
 */
class UnansweringPeerMessageTest {
    @Test
    void aPeerThatIsNot9pIsSaidToBeOne() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().read(new byte[64]);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                    // the client went away
                }
            });
            IOException e = assertThrows(
                    IOException.class,
                    () -> P9Client.open(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 8192)
                            .close());
            assertTrue(e.getMessage().contains("frame size 1347703880"), e.getMessage());
            assertTrue(e.getMessage().contains("not a 9P server?"), e.getMessage());
            peer.join();
        }
    }

    @Test
    void aStalledPeerIsSaidInSecondsWithWhatToDo() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept();
                        InputStream in = s.getInputStream()) {
                    in.read(new byte[64]);
                    done.await(); // never answers
                } catch (IOException | InterruptedException e) {
                    // the client went away
                }
            });
            try (P9Client client =
                    P9Client.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 8192)) {
                client.timeout(Duration.ofMillis(1500));
                IOException e = assertThrows(IOException.class, () -> client.version(8192, "9P2000.L"));
                assertTrue(
                        e.getMessage().contains("no reply to Tversion (tag 65535) within 1.5 seconds"), e.getMessage());
                assertTrue(e.getMessage().contains("check that"), e.getMessage());
                assertFalse(e.getMessage().contains("PT"), e.getMessage());
            } finally {
                done.countDown();
            }
            peer.join();
        }
    }
}
