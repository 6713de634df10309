package io.p9gate.gateway.identity;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.JdkSslContext;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;

/**
 * A VM's raw TLS 1.3 connection, handshaken, with small socket buffers: for floods whose answers are never read.
 * End it by closing {@link #raw}: the TLS socket's close waits for a writer blocked in a write.
 */
record UnreadTlsPeer(Socket raw, SSLSocket tls) {
    /** {@code m} under {@code tag}, as a raw client writes it. */
    static byte[] frame(int tag, TMessage m) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, m), wire);
        byte[] bytes = ByteBufUtil.getBytes(wire);
        wire.release();
        return bytes;
    }

    /**
     * A thread writing {@code batch} Tflushes of a free tag at a time, each under its own tag (2 and up, below the free
     * one), counted in {@code sent}, until the socket closes under a blocked write.
     */
    Thread flushFlood(String name, int batch, AtomicLong sent) throws IOException {
        OutputStream out = tls.getOutputStream();
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                for (int n = 0; ; n++) {
                    out.write(flushes(n, batch));
                    out.flush();
                    sent.addAndGet(batch);
                }
            } catch (IOException e) {
                // the socket closed under a blocked write: the end of the flood
            }
        });
    }

    /** The {@code n}th {@code batch} Tflushes of a free tag, each under its own tag (2 and up, below the free one). */
    static byte[] flushes(int n, int batch) {
        ByteBuf wire = Unpooled.buffer();
        for (int i = 0; i < batch; i++) {
            MessageEncoder.writeHeaderAndBody(
                    new Frame(2 + (int) (((long) n * batch + i) % 64000), new TMessage.Tflush(65000)), wire);
        }
        byte[] bytes = ByteBufUtil.getBytes(wire);
        wire.release();
        return bytes;
    }

    /** Sends {@code request} and reads its reply whole. */
    void exchange(int tag, TMessage request) throws IOException {
        tls.getOutputStream().write(frame(tag, request));
        tls.getOutputStream().flush();
        byte[] head = tls.getInputStream().readNBytes(4);
        tls.getInputStream().readNBytes(((head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16) - 4);
    }

    /** {@code n} connections of {@code vm}, each with its session negotiated at {@code msize} and attached. */
    static List<UnreadTlsPeer> attached(SharedTlsListener listener, String vm, int n, int msize) throws Exception {
        List<UnreadTlsPeer> peers = new ArrayList<>();
        try {
            for (int c = 0; c < n; c++) {
                UnreadTlsPeer peer = connect(listener, vm);
                peers.add(peer);
                peer.exchange(Frame.NOTAG, new TMessage.Tversion(msize, P9Client.VERSION));
                peer.exchange(1, new TMessage.Tattach(0, TMessage.NOFID, "root", vm, 0));
            }
            return peers;
        } catch (Exception e) {
            for (UnreadTlsPeer peer : peers) {
                peer.raw().close();
            }
            throw e;
        }
    }

    static UnreadTlsPeer connect(SharedTlsListener listener, String vm) throws Exception {
        Path dir = listener.pki().dir().resolve(vm);
        JdkSslContext context = (JdkSslContext) ClientTls.of(
                dir.resolve(TestPki.CLIENT_CERT),
                dir.resolve(TestPki.CLIENT_KEY),
                listener.pki().dir().resolve(TestPki.CA_CERT));
        Socket raw = new Socket();
        raw.setReceiveBufferSize(4096);
        raw.setSendBufferSize(4096);
        raw.connect(new InetSocketAddress("127.0.0.1", listener.port()));
        try {
            SSLSocket tls = (SSLSocket)
                    context.context().getSocketFactory().createSocket(raw, "127.0.0.1", listener.port(), true);
            tls.setEnabledProtocols(new String[] {"TLSv1.3"});
            tls.startHandshake();
            return new UnreadTlsPeer(raw, tls);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
