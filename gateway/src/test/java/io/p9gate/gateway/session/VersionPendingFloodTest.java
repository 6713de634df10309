package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile VM keeps a request in flight, sends a Tversion (which waits for that request) and then floods. The
 * frames after a Tversion stay unread until it is answered; the gateway must not go on reading them from the socket
 * meanwhile, or the VM fills the gateway's memory at the rate it sends (R-ROB-1/2). What the kernel accepts from
 * the VM is bounded by the socket buffers only if the gateway stops reading. (It does: the session turns auto-read
 * off in the read that brought the Tversion, and the decoder, having handed the Tversion on, asks for no further
 * read. Measured: about 4 MiB accepted of the 256 MiB offered, the loopback socket buffers.)
 */
class VersionPendingFloodTest {
    /** Far more than any socket buffers of a loopback connection (a few MiB each way). */
    private static final long FLOOD = 256L << 20;
    /** Socket buffers on both sides plus one read batch the gateway may hold: well below the flood. */
    private static final long BOUNDED = 48L << 20;

    private final FakeHandler.Factory handlers = new FakeHandler.Factory();
    private Gateway gateway;

    @AfterEach
    void stop() {
        handlers.releaseSlow();
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void framesSentBehindAPendingTversionStayInTheVmsSocket() throws Exception {
        gateway = Gateway.start(new GatewayConfig(List.of(new ListenSpec.Tcp("127.0.0.1", 0)), handlers, 65536, 4, 64));
        InetSocketAddress address = (InetSocketAddress) gateway.boundAddresses().getFirst();
        try (RawConnection vm = new RawConnection(address)) {
            vm.send(Frame.NOTAG, new TMessage.Tversion(65536, "9P2000.L"));
            assertInstanceOf(RMessage.Rversion.class, vm.receive().body());
            vm.send(1, new TMessage.Twalk(0, 1, List.of("slow")));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            vm.send(Frame.NOTAG, new TMessage.Tversion(65536, "9P2000.L"));

            long accepted = flood(vm, FLOOD);
            assertTrue(
                    accepted < BOUNDED,
                    "the gateway read " + (accepted >> 20) + " MiB sent behind a pending Tversion (bound "
                            + (BOUNDED >> 20) + " MiB)");

            handlers.releaseSlow();
        }
        // The gateway still serves.
        try (RawConnection next = new RawConnection(address)) {
            next.send(Frame.NOTAG, new TMessage.Tversion(65536, "9P2000.L"));
            assertInstanceOf(RMessage.Rversion.class, next.receive().body());
            next.send(3, new TMessage.Twalk(0, 1, List.of()));
            assertEquals(3, next.receive().tag());
        }
    }

    /** Sends copies of a small valid frame without blocking, for a few seconds or until {@code limit}; bytes taken. */
    private static long flood(RawConnection vm, long limit) throws IOException, InterruptedException {
        ByteBuf one = EmbeddedSession.encode(new Frame(2, new TMessage.Tflush(65_000)));
        byte[] frame = new byte[one.readableBytes()];
        one.readBytes(frame);
        one.release();
        ByteBuffer chunk = ByteBuffer.allocate(frame.length * (1 << 14));
        while (chunk.remaining() >= frame.length) {
            chunk.put(frame);
        }
        chunk.flip();
        SocketChannel channel = vm.channel();
        channel.configureBlocking(false);
        long sent = 0;
        long idleSince = System.nanoTime();
        while (sent < limit && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(3)) {
            if (!chunk.hasRemaining()) {
                chunk.rewind();
            }
            int n = channel.write(chunk);
            if (n > 0) {
                sent += n;
                idleSince = System.nanoTime();
            } else {
                Thread.sleep(5);
            }
        }
        return sent;
    }
}
