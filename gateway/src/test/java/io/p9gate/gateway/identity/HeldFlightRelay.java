package io.p9gate.gateway.identity;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Between one client and a gateway's port, connecting from 127.0.0.1: passes the client's bytes on at once, and
 * holds the gateway's first answer until released. The gateway answers a ClientHello only once it has read it, so
 * while the answer is held the client's handshake is under way and stands still, for as long as a test needs.
 */
final class HeldFlightRelay implements AutoCloseable {
    private final ServerSocket local;
    private final CountDownLatch answered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final ExecutorService pumps = Executors.newVirtualThreadPerTaskExecutor();

    HeldFlightRelay(int gatewayPort) throws IOException {
        local = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        pumps.submit(() -> relay(gatewayPort));
    }

    /** The port the client connects to. */
    int port() {
        return local.getLocalPort();
    }

    /** Waits until the gateway has answered the client's first bytes; false if it has not within 10 s. */
    boolean awaitAnswer() throws InterruptedException {
        return answered.await(10, TimeUnit.SECONDS);
    }

    /** Passes the held answer, and everything after it, on to the client. */
    void release() {
        released.countDown();
    }

    private Void relay(int gatewayPort) throws IOException, InterruptedException {
        try (Socket client = local.accept();
                Socket gateway = new Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
            pumps.submit(() -> {
                client.getInputStream().transferTo(gateway.getOutputStream());
                gateway.shutdownOutput();
                return null;
            });
            InputStream in = gateway.getInputStream();
            byte[] first = new byte[16384];
            int n = in.read(first);
            answered.countDown();
            released.await();
            if (n > 0) {
                client.getOutputStream().write(first, 0, n);
                in.transferTo(client.getOutputStream());
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        local.close();
        pumps.shutdownNow();
    }
}
