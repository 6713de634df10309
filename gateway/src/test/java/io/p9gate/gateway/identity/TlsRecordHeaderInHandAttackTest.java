package io.p9gate.gateway.identity;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.server.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, resource bounds round 13 over TLS: a peer that announces a record longer than TLS allows. Netty's TLS
 * handler gathers a record whole, by the length its header announces, before the engine sees it: a VM's connection
 * announcing 65,535 bytes and sending one fewer held a 128 KiB buffer whatever the read cap (8 connections at msize 4
 * KiB: 1,024 KiB, against the two frames each, 64 KiB, a Unix socket's connection may hold), and so did a peer that
 * had not handshaken yet, in any of the listener's handshake places. Now such a connection is closed at the header;
 * records of honest sizes are served.
 */
class TlsRecordHeaderInHandAttackTest {
    private static final int CONNECTIONS = 8;
    private static final int MSIZE = 4096;
    /** The longest record a header can announce, and one byte fewer of it: the TLS handler waits for the last. */
    private static final byte[] LENGTH_MAX = {(byte) 0xff, (byte) 0xff};

    @TempDir
    Path tmp;

    /** What a test does with the gateway serving VMs a and b on a shared TLS listener. */
    private interface WithGateway {
        void run(SharedTlsListener listener, Gateway gateway) throws Exception;
    }

    private void served(WithGateway test) throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        IdentityRig rig = new IdentityRig(tmp);
        rig.msize = MSIZE;
        try (rig) {
            rig.start(listener.vms("{connections: " + CONNECTIONS + "}"), listener.serverTls());
            test.run(listener, rig.gateway);
        }
    }

    @Test
    void aVmsConnectionAnnouncingAnOverlongRecordIsClosed() throws Exception {
        served((listener, gateway) -> {
            List<UnreadTlsPeer> peers = UnreadTlsPeer.attached(listener, "a", CONNECTIONS, MSIZE);
            try {
                for (UnreadTlsPeer peer : peers) {
                    announceAndStop(peer.raw(), (byte) 23); // application_data
                }
                long held = tlsRecordsInHand(gateway);
                System.out.printf("%d connections of a: %d KiB gathered of records%n", CONNECTIONS, held >> 10);
                for (UnreadTlsPeer peer : peers) {
                    assertClosedByGateway(peer.raw());
                }
                servedAfterwards(listener, "b");
                servedAfterwards(listener, "a"); // its places came back
            } finally {
                for (UnreadTlsPeer peer : peers) {
                    peer.raw().close();
                }
            }
        });
    }

    @Test
    void aPeerAnnouncingAnOverlongHelloIsClosed() throws Exception {
        served((listener, gateway) -> {
            List<Socket> peers = new ArrayList<>();
            try {
                listener.silentConnections(CONNECTIONS, "127.0.0.3", peers);
                for (Socket peer : peers) {
                    announceAndStop(peer, (byte) 22); // handshake: a ClientHello
                }
                long held = tlsRecordsInHand(gateway);
                System.out.printf("%d unidentified peers: %d KiB gathered of records%n", CONNECTIONS, held >> 10);
                for (Socket peer : peers) {
                    assertClosedByGateway(peer);
                }
                servedAfterwards(listener, "b");
            } finally {
                for (Socket peer : peers) {
                    peer.close();
                }
            }
        });
    }

    /**
     * Writes a record header announcing 65,535 bytes, and all of them but the last. The gateway may close the
     * connection at the header, before the body is written: a broken pipe or reset then is the closing the test
     * expects, which assertClosedByGateway confirms.
     */
    private static void announceAndStop(Socket raw, byte type) throws IOException {
        OutputStream out = raw.getOutputStream();
        out.write(new byte[] {type, 3, 3, LENGTH_MAX[0], LENGTH_MAX[1]});
        out.flush();
        try {
            out.write(new byte[0xffff - 1]);
            out.flush();
        } catch (IOException closedAtTheHeader) {
            // the guard closed the connection before the body arrived
        }
    }

    /**
     * The gateway ends the connection: an end of stream or a reset, within 5 s (7 s after the write: before the
     * handshake timeout, 10 s, would end an unidentified one anyway).
     */
    private static void assertClosedByGateway(Socket raw) throws IOException {
        raw.setSoTimeout(5_000);
        InputStream in = raw.getInputStream();
        try {
            while (in.read() != -1) {
                // the gateway's alert, if it writes one
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the gateway kept the connection that announced a 65,535-byte record", e);
        } catch (IOException e) {
            // reset by the gateway: closed
        }
    }

    private static void servedAfterwards(SharedTlsListener listener, String vm) throws Exception {
        try (P9Client honest = listener.connect(vm, MSIZE)) {
            honest.version(MSIZE, P9Client.VERSION);
            honest.attach(0, "root", vm, 0);
            honest.getattr(0, 0x7ff); // an Rlerror or a closed connection throws
        }
    }

    /**
     * What the TLS handlers of every connection have gathered of records not yet whole (their buffers' capacity), 2 s
     * after the peers wrote: read through Netty's protected accessor, which the gateway has no reason to expose.
     */
    private static long tlsRecordsInHand(Gateway gateway) throws Exception {
        Thread.sleep(2000);
        return TlsHandlerBuffers.gathered(gateway);
    }
}
