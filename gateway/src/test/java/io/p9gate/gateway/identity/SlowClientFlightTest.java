package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.JdkSslContext;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's client that answers the gateway's flight slowly but steadily, record by record (a key held in an HSM or a
 * TPM that takes seconds to sign CertificateVerify, a client that sends each handshake message as it is made, a
 * loaded guest), is a handshake making progress, not one that stalls. The gateway's grace after its answer
 * (server.UnidentifiedPeers.ANSWER_GRACE, 3 s) counted from the answer alone: past it, such a VM's connection was
 * the first to give up its place to a newcomer, and its displacement counted as its address's failed handshake.
 */
class SlowClientFlightTest {
    private static final int MSIZE = 65536;
    /** Between the client's records after the gateway's answer: each well within the grace, all together past it. */
    private static final Duration STEP = Duration.ofMillis(1200);
    /** The most bytes of a TLS record of b's client: its flight takes several. */
    private static final int RECORD = 256;
    /** The type of an Rversion. */
    private static final int RVERSION = 101;
    /** When the newcomer connects: past the grace after the gateway's answer, between two of the client's records. */
    private static final Duration NEWCOMER = Duration.ofMillis(3300);

    @TempDir
    Path tmp;

    /**
     * The listener's 2 places (VMs a and b, a connection each): VM b's, whose client sends its flight after the
     * gateway's answer in records of at most {@value #RECORD} bytes, {@link #STEP} apart, and a silent one.
     * {@link #NEWCOMER} after the answer, a silent connection from a fresh address takes a place. Before, it took
     * b's (answered more than 3 s before: "stalled"), and b's Tversion found the connection closed; now b's moved
     * 0.9 s before, the silent one goes, and b is served.
     */
    @Test
    void aVmSendingItsFlightRecordByRecordKeepsItsPlace() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> silent = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms("{connections: 1}"), listener.serverTls());
                RecordPacedRelay relay = new RecordPacedRelay(listener.port(), STEP);
                var vm = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> b = vm.submit(() -> versionOverSlowFlight(listener, relay.port()));
            assertTrue(relay.awaitAnswer(), "the gateway answers b's ClientHello");
            long answered = System.nanoTime();
            listener.silentConnections(1, "127.0.5.1", silent);
            // The time the test is about: b's client sending its records, the grace after the answer running out.
            TimeUnit.NANOSECONDS.sleep(NEWCOMER.toNanos() - (System.nanoTime() - answered));
            listener.silentConnections(1, "127.0.5.2", silent);
            assertEquals(RVERSION, b.get(), "b's Tversion answered: b identified and served");
            assertTrue(relay.paced() >= 3, "b's client sent its flight in " + relay.paced() + " records, paced");
            assertEquals(1, SharedTlsListener.closedByGateway(silent.subList(0, 1)), "the silent one gave its place");
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    /**
     * VM b's client through {@code port}: its TLS records of at most {@value #RECORD} bytes, so that its flight
     * (Certificate, CertificateVerify, Finished) takes several; then a Tversion. The type of the gateway's reply.
     */
    private static int versionOverSlowFlight(SharedTlsListener listener, int port) throws Exception {
        Path dir = listener.pki().dir().resolve("b");
        SSLContext context = ((JdkSslContext) ClientTls.of(
                        dir.resolve(TestPki.CLIENT_CERT),
                        dir.resolve(TestPki.CLIENT_KEY),
                        listener.pki().dir().resolve(TestPki.CA_CERT)))
                .context();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3"});
            parameters.setMaximumPacketSize(RECORD);
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(15_000);
            byte[] version = "9P2000.L".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer tversion =
                    ByteBuffer.allocate(4 + 1 + 2 + 4 + 2 + version.length).order(ByteOrder.LITTLE_ENDIAN);
            tversion.putInt(tversion.capacity())
                    .put((byte) 100)
                    .putShort((short) 0xffff)
                    .putInt(MSIZE);
            tversion.putShort((short) version.length).put(version);
            socket.getOutputStream().write(tversion.array());
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readFully(new byte[4]);
            return in.readUnsignedByte();
        }
    }

    /**
     * Between one client and the gateway, from 127.0.0.1: passes the gateway's bytes on at once, the client's before the
     * gateway's answer (its ClientHello) too, and the first {@value #PACED} after it each {@code step} after the one
     * before, counted from the answer: a client that makes and sends its flight slowly, one message at a time.
     */
    private static final class RecordPacedRelay implements AutoCloseable {
        private final ServerSocket local = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final CountDownLatch answered = new CountDownLatch(1);
        private final ExecutorService pumps = Executors.newVirtualThreadPerTaskExecutor();
        /** How many of the client's records after the answer go out paced: its flight's first ones. */
        private static final int PACED = 4;

        private final Duration step;
        private volatile long answeredAt;
        private volatile int paced;

        RecordPacedRelay(int gatewayPort, Duration step) throws IOException {
            this.step = step;
            pumps.submit(() -> relay(gatewayPort));
        }

        int port() {
            return local.getLocalPort();
        }

        boolean awaitAnswer() throws InterruptedException {
            return answered.await(10, TimeUnit.SECONDS);
        }

        /** How many of the client's records went out paced. */
        int paced() {
            return paced;
        }

        private Void relay(int gatewayPort) throws IOException, InterruptedException {
            try (Socket client = local.accept();
                    Socket gateway = new Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
                pumps.submit(() -> answers(gateway, client));
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = gateway.getOutputStream();
                int after = 0;
                while (true) {
                    byte[] next;
                    try {
                        next = record(in);
                    } catch (EOFException end) {
                        gateway.shutdownOutput();
                        return null;
                    }
                    // Those before the answer (the ClientHello, in as many records as it takes) at once.
                    if (answeredAt != 0 && ++after <= PACED) {
                        TimeUnit.NANOSECONDS.sleep(answeredAt + step.toNanos() * after - System.nanoTime());
                        paced = after;
                    }
                    out.write(next);
                }
            }
        }

        /** The gateway's bytes on to the client at once; the first of them are its answer. */
        private Void answers(Socket gateway, Socket client) throws IOException {
            byte[] buffer = new byte[16384];
            int n;
            while ((n = gateway.getInputStream().read(buffer)) >= 0) {
                if (answeredAt == 0) {
                    answeredAt = System.nanoTime();
                    answered.countDown();
                }
                client.getOutputStream().write(buffer, 0, n);
            }
            client.shutdownOutput();
            return null;
        }

        /** One whole TLS record of the client's. */
        private static byte[] record(DataInputStream in) throws IOException {
            byte[] header = new byte[5];
            in.readFully(header);
            int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
            byte[] whole = new byte[5 + length];
            System.arraycopy(header, 0, whole, 0, 5);
            in.readFully(whole, 5, length);
            return whole;
        }

        @Override
        public void close() throws IOException {
            local.close();
            pumps.shutdownNow();
        }
    }
}
