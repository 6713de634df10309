package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, resource bounds round 14 over TLS: what a peer that has not handshaken holds of the gateway's memory. The
 * record guard keeps a record in hand to 2^14 + 256 bytes (identity.TlsRecordHeaderInHandAttackTest), but the JDK's
 * TLS engine gathers a handshake message whole across records, by the length its header announces, up to
 * {@code jdk.tls.maxHandshakeMessageSize} (32 KiB by default): a ClientHello announcing 32 KiB, sent in two records
 * and never finished, keeps that buffer in the engine, beside the record the handler is gathering. Measured by the
 * heap the engines keep (the handler's buffer is read by its capacity) with the connections still open: what
 * docs/policy.md's "Replies without a request in service" promises a connection holds, 64 KiB.
 */
class TlsHandshakeMessageInHandAttackTest {
    /** Each VM's connections, so also the connections one address may have awaiting their handshake. */
    private static final int CONNECTIONS = 8;
    /** The largest record TLS 1.3 allows of plaintext, which the record guard lets pass. */
    private static final int RECORD = 16_384;
    /** The largest handshake message the JDK's engine gathers by default. */
    private static final int MESSAGE = 32_768;
    /** What docs/policy.md says a tls: connection holds in hand at most: a record and a handshake message. */
    private static final long PROMISED = 64 << 10;
    /**
     * Leeway a connection for what else the heap gains between two measurements (a loaded run's other threads); what
     * it loses meanwhile only lowers the measure.
     */
    private static final long NOISE = 16 << 10;

    @TempDir
    Path tmp;

    @Test
    void aHelloNeverFinishedHoldsWithinWhatTheDocSays() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        IdentityRig rig = new IdentityRig(tmp);
        rig.msize = 4096;
        try (rig) {
            rig.start(listener.vms("{connections: " + CONNECTIONS + "}"), listener.serverTls());
            List<Socket> warming = new ArrayList<>();
            List<Socket> measured = new ArrayList<>();
            try {
                listener.silentConnections(CONNECTIONS, "127.0.0.3", warming);
                listener.silentConnections(CONNECTIONS, "127.0.0.4", measured);
                // The first peers' records grow the allocator's pools and the engines' shared state: not measured.
                for (Socket peer : warming) {
                    helloBegun(peer.getOutputStream());
                }
                long before = heapUsed();
                for (Socket peer : measured) {
                    helloBegun(peer.getOutputStream());
                }
                long engines = (heapUsed() - before) / CONNECTIONS;
                for (Socket peer : measured) {
                    record(peer.getOutputStream(), new byte[RECORD - 1], RECORD); // one byte short: kept
                }
                Thread.sleep(1000);
                long handlers = TlsHandlerBuffers.gathered(rig.gateway) / CONNECTIONS;
                int closed = SharedTlsListener.closedByGateway(measured);
                System.out.printf(
                        "%d unidentified peers, each a ClientHello of %d bytes begun and a record one byte short:"
                                + " %d KiB of heap a connection in the TLS engine, %d KiB in the record handler, %d"
                                + " closed%n",
                        CONNECTIONS, MESSAGE, engines >> 10, handlers >> 10, closed);
                assertTrue(
                        engines + handlers <= PROMISED + NOISE,
                        "a connection holds " + ((engines + handlers) >> 10) + " KiB, promised " + (PROMISED >> 10));
            } finally {
                for (Socket peer : warming) {
                    peer.close();
                }
                for (Socket peer : measured) {
                    peer.close();
                }
            }
        }
    }

    /** A ClientHello announcing {@link #MESSAGE} bytes, all but its last 4 sent in two whole records. */
    private static void helloBegun(OutputStream out) {
        byte[] first = new byte[RECORD];
        first[0] = 1; // client_hello
        first[1] = (byte) (MESSAGE >> 16);
        first[2] = (byte) (MESSAGE >> 8);
        first[3] = (byte) MESSAGE;
        first[4] = 3; // legacy_version 3.3
        first[5] = 3;
        record(out, first, RECORD);
        record(out, new byte[RECORD], RECORD);
    }

    /**
     * A handshake record's header announcing {@code announced} bytes, then {@code fragment}. A connection the gateway
     * already closed (its handshake timeout, reached on a loaded machine) holds nothing: its broken pipe only lowers
     * the measure, so it is not the test's failure.
     */
    private static void record(OutputStream out, byte[] fragment, int announced) {
        try {
            out.write(new byte[] {22, 3, 1, (byte) (announced >> 8), (byte) announced});
            out.write(fragment);
            out.flush();
        } catch (IOException closedByGateway) {
            // counted by closedByGateway below
        }
    }

    /** The heap in use once the gateway has read what was sent, after collections. */
    private static long heapUsed() throws InterruptedException {
        Thread.sleep(500);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
