package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four requests of one session at once, lined up by a barrier, all naming the same two fids: a Tclunk racing a Tread,
 * a Twalk with newfid = fid, a Tremove racing a Tlopen, a Tlcreate turning the fid into a new file while another
 * request reads it, 400 rounds. However they interleave, every answered request has the records the choke point
 * promises for it, with the errno the guest got (docs/audit-format.md): one record (a look, or a refusal) or an
 * intent with at most one outcome; none only for a protocol error that names no file (unknown fid, fid in use, a fid
 * not open for its I/O), which is never a success.
 */
class FidRaceRecordAttackTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 400;
    private static final int O_RDWR = 2;
    private static final String[] NAMES = {"f", "g"};
    private static final int O_RDWR_DSYNC = 2 | 010000;
    private static final int FLUSH_ROUNDS = 60;
    private static final int PIPELINED = 64;

    @TempDir
    Path tmp;

    @Test
    void everyAnsweredRequestOfRacingFidsHasTheRecordsOfItsAnswer() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("d"));
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail audit = e -> {
            records.add(e);
            return records.size();
        };
        Map<Integer, String> answers = new ConcurrentHashMap<>();
        AtomicInteger tags = new AtomicInteger(1000); // above the attach's
        try (ShareServerFactory shares = TestSession.factory(share, new AllowAll(), audit);
                TestSession s = TestSession.attached(shares)) {
            CyclicBarrier lineUp = new CyclicBarrier(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> racers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Random r = new Random(t);
                    racers.add(pool.submit(() -> {
                        for (int round = 0; round < ROUNDS; round++) {
                            lineUp.await(10, TimeUnit.SECONDS);
                            int tag = tags.getAndIncrement();
                            answers.put(tag, answer(s, tag, request(r)));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : racers) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        Map<Integer, List<AuditEntry>> byTag = records.stream()
                .filter(e -> e.tag() > 0 && answers.containsKey(e.tag()))
                .collect(Collectors.groupingBy(AuditEntry::tag));
        Map<Integer, String> wrong = new TreeMap<>();
        answers.forEach((tag, answer) -> {
            List<AuditEntry> own = byTag.getOrDefault(tag, List.of());
            String problem = problem(answer, own);
            if (problem != null) {
                wrong.put(tag, answer + ": " + problem + " " + own);
            }
        });
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + answers.size() + " answers: " + wrong);
        assertEquals(THREADS * ROUNDS, answers.size());
    }

    /**
     * A guest pipelines synchronous Twrites (served by workers), each followed at once by its Tflush, 64 a round, 60
     * rounds (about half are dropped unstarted, half answered). A flushed request the gateway had not started gets no
     * reply, and must leave no record; one it had started is answered before the Rflush (docs/protocol.md) and has its
     * record. So the log holds one write record per answered Twrite, not one per sent.
     */
    @Test
    void flushedWritesHaveARecordExactlyWhenTheyWereAnswered() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        int answered = 0;
        int dropped = 0;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail)) {
            P9Client c = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), GatewayConfig.DEFAULT_MSIZE);
            c.attach(0, "alpha", "data", 0);
            c.walk(0, 1, "notes.txt");
            c.lopen(1, O_RDWR_DSYNC);
            for (int round = 0; round < FLUSH_ROUNDS; round++) {
                List<PendingCall> writes = new ArrayList<>();
                List<PendingCall> flushes = new ArrayList<>();
                for (int i = 0; i < PIPELINED; i++) {
                    PendingCall w = c.send(new TMessage.Twrite(1, i, Unpooled.wrappedBuffer(new byte[] {'x'})));
                    writes.add(w);
                    flushes.add(c.send(new TMessage.Tflush(w.tag())));
                }
                for (PendingCall f : flushes) {
                    c.await(f); // after the flushed request's reply, if it has one
                }
                for (PendingCall w : writes) {
                    if (w.reply().isDone()) {
                        answered++;
                    } else {
                        dropped++;
                    }
                }
            }
            c.close();
            gateway.awaitNoConnections(); // the session's records are all written
        }
        trail.close();
        long recorded = logs.records().stream()
                .filter(r -> "alpha".equals(r.vm()) && "write".equals(r.op()))
                .filter(r -> !AuditRecord.hasDetailWord(r.detail(), "phase=outcome"))
                .count();
        assertTrue(
                answered > 0 && dropped > 0, "flushes found both: " + answered + " answered, " + dropped + " dropped");
        assertEquals(answered, recorded, "records of writes, " + dropped + " dropped unanswered");
    }

    /** Why {@code own}, the records of one request, do not fit its {@code answer}, or null. */
    private static String problem(String answer, List<AuditEntry> own) {
        String errno = answer.substring(answer.indexOf(' ') + 1);
        if (own.isEmpty()) {
            return errno.equals("0") ? "an answered success without a record" : null;
        }
        List<RecordPhase> phases = own.stream().map(AuditEntry::phase).toList();
        boolean shape = phases.equals(List.of(RecordPhase.DONE))
                || phases.equals(List.of(RecordPhase.INTENT))
                || phases.equals(List.of(RecordPhase.INTENT, RecordPhase.OUTCOME));
        if (!shape) {
            return "records " + phases;
        }
        Errno recorded = own.getLast().outcome().errno();
        String said = recorded == null ? "0" : recorded.name();
        return said.equals(errno) ? null : "recorded " + said;
    }

    private static TMessage.FileRequest request(Random r) {
        int fid = 1 + r.nextInt(2);
        String name = NAMES[r.nextInt(NAMES.length)];
        return switch (r.nextInt(12)) {
            case 0 -> new TMessage.Twalk(TestSession.ROOT, fid, List.of("d", name));
            case 1 -> new TMessage.Twalk(fid, fid, List.of());
            case 2 -> new TMessage.Twalk(fid, fid, List.of(".."));
            case 3 -> new TMessage.Tclunk(fid);
            case 4 -> new TMessage.Tlopen(fid, O_RDWR);
            case 5 -> new TMessage.Tread(fid, 0, 64);
            case 6 -> new TMessage.Twrite(fid, 0, Unpooled.wrappedBuffer(new byte[] {'x'}));
            case 7 -> new TMessage.Tremove(fid);
            case 8 -> new TMessage.Tgetattr(fid, Attr.GETATTR_ALL);
            case 9 -> new TMessage.Tlcreate(fid, name, O_RDWR, 0644, 0);
            case 10 -> new TMessage.Twalk(TestSession.ROOT, fid, List.of("d"));
            default -> new TMessage.Tsetattr(fid, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
        };
    }

    /** The reply's type and errno (0 for a success), as the guest sees it. */
    private static String answer(TestSession s, int tag, TMessage.FileRequest request) {
        String asked = request.getClass().getSimpleName();
        try {
            RMessage reply = s.call(tag, request);
            if (reply instanceof RMessage.Rread read) {
                read.data().release();
            }
            if (reply instanceof RMessage.Rwalk walk
                    && request instanceof TMessage.Twalk w
                    && walk.qids().size() < w.names().size()) {
                return asked + " ENOENT"; // stopped at a name: the Linux client's ENOENT, recorded so
            }
            return asked + " 0";
        } catch (P9Exception e) {
            return asked + " " + e.errno().name();
        }
    }
}
