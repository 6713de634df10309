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
 * Between one client and a gateway's port, connecting from 127.0.0.1: passes one side's bytes on at once and holds
 * the other's until released, so the client's handshake stands still, for as long as a test needs, at a point the
 * test chooses: {@link #holdingTheAnswer} (the gateway answers a ClientHello only once it has read it, so while the
 * answer is held the handshake is under way on both sides) or {@link #holdingTheClient} (to the gateway, a
 * connection not answered yet).
 */
final class HeldFlightRelay implements AutoCloseable {
    private final ServerSocket local;
    private final CountDownLatch connected = new CountDownLatch(1);
    private final CountDownLatch answered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final ExecutorService pumps = Executors.newVirtualThreadPerTaskExecutor();

    private HeldFlightRelay(int gatewayPort, boolean holdTheClient) throws IOException {
        local = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        pumps.submit(() -> relay(gatewayPort, holdTheClient));
    }

    /** Holds the gateway's first answer (and what follows it) until {@link #release}. */
    static HeldFlightRelay holdingTheAnswer(int gatewayPort) throws IOException {
        return new HeldFlightRelay(gatewayPort, false);
    }

    /** Holds every byte of the client's until {@link #release}; the gateway's pass at once. */
    static HeldFlightRelay holdingTheClient(int gatewayPort) throws IOException {
        return new HeldFlightRelay(gatewayPort, true);
    }

    /** The port the client connects to. */
    int port() {
        return local.getLocalPort();
    }

    /** Whether the relay's connection to the gateway is made (accepted before any later one), within 10 s. */
    boolean awaitConnected() throws InterruptedException {
        return connected.await(10, TimeUnit.SECONDS);
    }

    /** Waits until the gateway has answered the client's first bytes; false if it has not within 10 s. */
    boolean awaitAnswer() throws InterruptedException {
        return answered.await(10, TimeUnit.SECONDS);
    }

    /** Passes the held bytes, and everything after them, on. */
    void release() {
        released.countDown();
    }

    private Void relay(int gatewayPort, boolean holdTheClient) throws IOException, InterruptedException {
        try (Socket client = local.accept();
                Socket gateway = new Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
            connected.countDown();
            if (holdTheClient) {
                pumps.submit(() -> pump(gateway, client));
                released.await();
                client.getInputStream().transferTo(gateway.getOutputStream());
                return null;
            }
            pumps.submit(() -> pump(client, gateway));
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

    /** Everything {@code from} sends, on to {@code to}, then its end. */
    private static Void pump(Socket from, Socket to) throws IOException {
        from.getInputStream().transferTo(to.getOutputStream());
        to.shutdownOutput();
        return null;
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        local.close();
        pumps.shutdownNow();
    }
}
