package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 3: one VM must not exhaust the heap. Against a gateway with a 256 MiB heap, VM alpha announces
 * 6,000 extended attribute values of 64 KiB (clone walk + Txattrcreate, never clunked: 375 MiB promised), then
 * holds 30,000 fids, then pipelines 1 MiB Twrites on 8 connections at once. Before the budgets the first flood
 * alone ran the gateway out of memory: OutOfMemoryError killed the worker and event-loop threads and the process
 * stayed up answering nothing, deaf to SIGTERM. Now alpha is refused by its own budgets (ENOSPC, EMFILE,
 * connections closed, requests held back), beta is served after each flood, and SIGTERM ends the process.
 */
class MemoryFloodAttackTest {
    private static final int PENDING_XATTRS = 6000;
    private static final int HELD_FIDS = 30_000;
    private static final int VALUE = 64 * 1024;
    private static final int WINDOW = 200;
    private static final int WRITE_CONNECTIONS = 8;
    private static final int WRITES_IN_FLIGHT = 32;
    private static final int MSIZE = 1024 * 1024 + 4096;

    @TempDir
    Path tmp;

    @Test
    void floodsOfOneVmCannotExhaustAQuarterGigabyteHeap() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "256m", 0)) {
            Map<String, Integer> refusals = new TreeMap<>();
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                // Pipelined in two waves: a clone walk must have made its fid before Txattrcreate uses it.
                pipelined(alpha, 1, PENDING_XATTRS, fid -> new TMessage.Twalk(0, fid, List.of()), refusals);
                pipelined(
                        alpha,
                        1,
                        PENDING_XATTRS,
                        fid -> new TMessage.Txattrcreate(fid, "user.flood", VALUE, 0),
                        refusals);
                assertEquals(
                        Set.of("ENOSPC"),
                        refusals.keySet(),
                        "alpha is refused by its pending-xattr budget, and only by it: " + refusals);
                assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the xattr flood");

                refusals.clear();
                pipelined(alpha, PENDING_XATTRS + 1, HELD_FIDS, fid -> new TMessage.Twalk(0, fid, List.of()), refusals);
                assertEquals(Set.of("EMFILE"), refusals.keySet(), "alpha is refused by its fid budget: " + refusals);
                assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the fid flood");
            } catch (IOException e) {
                throw new AssertionError(
                        "alpha's session stopped answering: " + e.getMessage() + "\n" + gateway.output(), e);
            }
            writeFlood(gateway);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the write flood");

            assertTrue(gateway.isAlive(), gateway.output());
            assertTrue(
                    gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the floods:\n" + gateway.output());
            List<AuditRecord> denials = gateway.audit.records().stream()
                    .filter(AuditRecord::isDecision)
                    .filter(r -> "deny".equals(r.decision()))
                    .toList();
            assertTrue(
                    denials.stream().anyMatch(r -> r.rules().contains("budget.xattr-bytes") && r.errno() == 28),
                    "the xattr refusals are recorded as denials by the budget");
            assertTrue(
                    denials.stream().anyMatch(r -> r.rules().contains("budget.fids") && r.errno() == 24),
                    "the fid refusals are recorded as denials by the budget");
        }
    }

    /** Requests for fids {@code first..last}, {@link #WINDOW} in flight at a time; refusals counted by errno. */
    private static void pipelined(
            P9Client client, int first, int last, IntFunction<TMessage> request, Map<String, Integer> refusals)
            throws IOException {
        for (int from = first; from <= last; from += WINDOW) {
            List<PendingCall> calls = new ArrayList<>();
            for (int fid = from; fid < Math.min(from + WINDOW, last + 1); fid++) {
                calls.add(client.send(request.apply(fid)));
            }
            for (PendingCall call : calls) {
                try {
                    client.await(call);
                } catch (P9Exception e) {
                    refusals.merge(e.errno().name(), 1, Integer::sum);
                }
            }
        }
    }

    /**
     * 1 MiB Twrites (to a fid that is not open: no disk involved, the frames are what weighs) pipelined on more
     * connections than alpha's budget allows: 256 MiB sent at once to a gateway whose direct memory is 256 MiB.
     */
    private static void writeFlood(BudgetAttackGateway gateway) throws Exception {
        byte[] payload = new byte[MSIZE - 64];
        List<P9Client> clients = new ArrayList<>();
        List<List<PendingCall>> sent = new ArrayList<>();
        try {
            for (int c = 0; c < WRITE_CONNECTIONS; c++) {
                P9Client client;
                try {
                    client = P9Client.open(UnixDomainSocketAddress.of(gateway.fixture.alphaSocket), MSIZE);
                } catch (IOException | P9Exception e) {
                    continue; // past alpha's connection budget: closed at accept
                }
                client.timeout(BudgetAttackGateway.PATIENCE);
                clients.add(client);
                List<PendingCall> calls = new ArrayList<>();
                for (int i = 0; i < WRITES_IN_FLIGHT; i++) {
                    calls.add(client.send(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(payload))));
                }
                sent.add(calls);
            }
            assertTrue(clients.size() < WRITE_CONNECTIONS, "alpha opened " + clients.size() + " connections");
            for (int c = 0; c < clients.size(); c++) {
                for (PendingCall call : sent.get(c)) {
                    try {
                        clients.get(c).await(call);
                    } catch (P9Exception e) {
                        // EBADF: the point was the frame, not the write
                    }
                }
            }
        } finally {
            clients.forEach(P9Client::close);
        }
    }
}
