package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifetime races within one session: a guest pipelines a Twrite into a Txattrcreate fid and the Tclunk that commits
 * its value. The clunk takes the value as it then is; a Twrite that had looked the fid up before the clunk but
 * filled the value after it was answered Rwrite (and recorded as written) although its bytes were never set on the
 * file. No serial order of the two requests gives that: write then clunk commits the written bytes; clunk then write
 * fails the write (EBADF, the fid is gone). Acknowledged data was lost, and the log said it was written.
 *
 * <p>The interleaving is made deterministic by a policy that holds the Twrite's decision until the Tclunk of the same
 * fid has been answered.
 */
class XattrWriteClunkRaceAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aWriteThatLosesTheRaceWithTheCommittingClunkIsNotAcknowledged() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path file = Files.writeString(share.resolve("f"), "x");
        Path socket = tmp.resolve("vm.sock");
        HoldsWriteDecision policy = new HoldsWriteDecision();
        try (ShareServerFactory shares = new ShareServerFactory(Map.of("data", share), policy, new NoAudit());
                Gateway _ = Gateway.start(new GatewayConfig(
                        List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client hostile = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            hostile.attach(0, "u", "data", 0);
            hostile.walk(0, 1, "f");
            hostile.rpc(new TMessage.Txattrcreate(1, "user.k", 4, 0));
            hostile.write(1, 0, ascii("AAAA"));

            policy.armed.set(true);
            // Held first, so that the Twrite is not alone in flight: it goes to a worker, not the event loop.
            PendingCall statfs = hostile.send(new TMessage.Tstatfs(0));
            PendingCall write = hostile.send(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(ascii("BBBB"))));
            assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the Twrite reached its decision");
            hostile.clunk(1);
            policy.clunked.countDown();
            hostile.await(statfs);
            String committed = xattr(file, "k");
            try {
                hostile.await(write);
                assertEquals("BBBB", committed, "an acknowledged write's bytes are in the committed value");
            } catch (P9Exception e) {
                assertEquals(Errno.EBADF, e.errno(), "a write served after its fid's clunk");
                assertEquals("AAAA", committed);
            }
            assertEquals(1, hostile.walk(0, 2, "f").size(), "the connection still serves after the race");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String xattr(Path file, String name) throws Exception {
        var view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(view.size(name));
        view.read(name, value);
        return new String(value.array(), StandardCharsets.US_ASCII);
    }

    /**
     * Allows everything; once armed, holds the next STATFS and WRITE decisions until the test has clunked the fid.
     */
    private static final class HoldsWriteDecision implements AccessPolicy {
        final AtomicBoolean armed = new AtomicBoolean();
        final AtomicBoolean statfsArmed = new AtomicBoolean(true);
        final CountDownLatch deciding = new CountDownLatch(1);
        final CountDownLatch clunked = new CountDownLatch(1);

        @Override
        public Decision decide(AccessRequest request) {
            boolean held =
                    armed.get() && request.operation() == Operation.STATFS && statfsArmed.compareAndSet(true, false);
            if (request.operation() == Operation.WRITE && armed.compareAndSet(true, false)) {
                deciding.countDown();
                held = true;
            }
            if (held) {
                try {
                    clunked.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Decision.allow(List.of("test"));
        }
    }
}
