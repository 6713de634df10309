package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Over real TCP, far more pipelined requests than the outstanding cap, in writes that split frames anywhere and
 * with reading paused and resumed many times: every request is answered exactly once.
 */
class PipelinedFloodTest {
    @Test
    void everyPipelinedRequestIsAnsweredOnce() throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        Gateway gateway =
                Gateway.start(new GatewayConfig(List.of(new ListenSpec.Tcp("127.0.0.1", 0)), handlers, 65536, 4, 3));
        try (RawConnection c =
                new RawConnection((InetSocketAddress) gateway.boundAddresses().getFirst())) {
            c.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.L"));
            assertInstanceOf(RMessage.Rversion.class, c.receive().body());
            int n = 30_000;
            CompletableFuture<BitSet> answered = CompletableFuture.supplyAsync(() -> {
                BitSet seen = new BitSet();
                try {
                    for (int i = 0; i < n; i++) {
                        Frame f = c.receive();
                        if (seen.get(f.tag())) {
                            throw new AssertionError("tag " + f.tag() + " answered twice");
                        }
                        seen.set(f.tag());
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                return seen;
            });
            Frame[] batch = new Frame[1000];
            for (int start = 0; start < n; start += batch.length) {
                for (int i = 0; i < batch.length; i++) {
                    int tag = start + i;
                    batch[i] = new Frame(
                            tag,
                            switch (tag % 3) {
                                case 0 -> new TMessage.Tgetattr(0, 0x7ff);
                                case 1 -> new TMessage.Tclunk(tag);
                                default -> new TMessage.Tflush(65_500); // a free tag: answered at once
                            });
                }
                c.sendTogether(batch);
            }
            assertEquals(n, answered.get(60, TimeUnit.SECONDS).cardinality());
        } finally {
            gateway.close();
        }
    }
}
