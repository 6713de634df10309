package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code V/listener/connections} proves {@code limits.connections} only by a connection the gateway accepted and
 * then closed. A connection that could not be opened at all (no gateway listening, or this host out of
 * descriptors) was reported as the limit's refusal, PASSED; it proves nothing, and is skipped with its reason. So
 * was a connection answered with Rlerror (or not at all) rather than closed: the limit's refusal is the close.
 */
class ConnectionBudgetProbeTest {
    @TempDir
    Path tmp;

    private VmPolicy vmOn(Path socket) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: probe
                vms:
                  vm1:
                    listen: unix:%s
                    limits: {connections: 3}
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(socket, share));
        return PolicyEngine.load(policy).policy().vms().get("vm1");
    }

    @Test
    void aConnectionThatCannotBeOpenedIsNotTheLimitsRefusal() throws Exception {
        Path socket = tmp.resolve("nobody-listens.sock");
        VmPolicy vm = vmOn(socket);
        CheckLog log = new CheckLog(new PrintWriter(new StringWriter()));

        new ListenerChecks(log, vm, new VmTransport.UnixSocket(socket), new ProbeLog()).connectionBudget(1);

        assertEquals(1, log.results().size());
        CheckResult result = log.results().getFirst();
        assertEquals(Status.SKIPPED, result.status(), result.seen());
        assertTrue(result.message().startsWith("not probed"), result.message());
    }

    @Test
    void anErrorReplyIsNotTheLimitsRefusal() throws Exception {
        Path socket = tmp.resolve("answers-rlerror.sock");
        VmPolicy vm = vmOn(socket);
        CheckLog log = new CheckLog(new PrintWriter(new StringWriter()));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofVirtual().start(() -> answerEveryRequestWithRlerror(server));

            new ListenerChecks(log, vm, new VmTransport.UnixSocket(socket), new ProbeLog()).connectionBudget(1);
        }

        assertEquals(1, log.results().size());
        CheckResult result = log.results().getFirst();
        assertEquals(Status.FAILED, result.status(), result.seen());
        assertTrue(result.seen().contains("Rlerror EMFILE"), result.seen());
    }

    /** A server that keeps every connection open and answers each request Rlerror EMFILE (24). */
    private static void answerEveryRequestWithRlerror(ServerSocketChannel server) {
        try {
            while (true) {
                SocketChannel c = server.accept();
                ByteBuffer head = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN);
                while (head.hasRemaining() && c.read(head) >= 0) {}
                int size = head.getInt(0);
                ByteBuffer body = ByteBuffer.allocate(size - 7);
                while (body.hasRemaining() && c.read(body) >= 0) {}
                ByteBuffer reply = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN);
                reply.putInt(11)
                        .put((byte) 7)
                        .putShort(head.getShort(5))
                        .putInt(24)
                        .flip();
                c.write(reply);
            }
        } catch (IOException e) {
            // the test closed the socket
        }
    }
}
