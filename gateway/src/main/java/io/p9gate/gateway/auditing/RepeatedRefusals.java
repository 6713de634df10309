package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.proto.P9Exception;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The per-VM refusal budget (issue 8 item 6, R-ROB-2): a guest can make the gateway refuse requests as fast as
 * it sends them (denied walks at 14-21k/s grew the log by 7-11 MB/s), so refusals are summarised. A refusal is
 * a request that changed nothing and failed: denied by the policy, or failed by the host. Per VM, in windows of
 * {@link RefusalBudget#window()} that start at the VM's first refusal:
 * <ul>
 * <li>the first refusal of a kind (same operation, path, errno, decision, rules, policy, ids and detail, but for the peer the detail names) is written at
 * once, as every decision is (count 1);</li>
 * <li>later refusals of that kind are counted, and when the window ends one summary record follows, the same
 * decision with {@code count} = how many there were and {@code repeat_of=<seq of the first>} in its detail;</li>
 * <li>once {@link RefusalBudget#distinct()} kinds were written in a window, or kinds whose paths and details took
 * {@link RefusalBudget#bytes()} together (a kind is any path: 64 of 5 KB each made a window cost nine times what 64
 * ordinary ones do), refusals of new kinds are only counted, per
 * operation, errno, decision, rules and policy, into one summary whose path is the deepest directory holding all
 * their paths ({@code paths=varied} in its detail) and whose detail keeps only the words all their details start
 * with ({@code details=varied} where they differ).</li>
 * </ul>
 * So a window costs a VM at most about 2 x {@code distinct} records plus one per summarised class, however fast
 * it floods; every refusal is still counted in the log. The records of a window are written when its VM's next
 * refusal arrives after it ends, by a timer otherwise, and at {@link #close()}: what a crash can lose is the
 * counts of the last window (the first refusal of each kind is always written before its reply).
 */
final class RepeatedRefusals implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RepeatedRefusals.class.getName());

    /** Writes one decision record; returns its sequence number. */
    @FunctionalInterface
    interface Writer {
        long write(AuditEvent.Decision decision) throws P9Exception;
    }

    /**
     * What makes two refusals identical: every field of their records but when, tag and session. The detail too: it
     * says what was asked (the share a Tattach named, a walk's names, a rename's {@code to=}), and a summary copies
     * the first's, so without it a VM's decoy hid every later refusal with the same path and rule (a Tattach of
     * another VM's share counted as a repeat of a made-up one, adversarial.RefusalSummaryIdentityAttackTest). But not
     * the {@link PeerWord}: who connected is not what was asked, and a VM reconnecting in a loop from a new port or
     * pid each time wrote 64 records a window instead of 2 (cli.ReconnectLoopRecordsTest).
     */
    private record Kind(
            String op,
            String path,
            int errno,
            io.p9gate.audit.Outcome outcome,
            List<String> rules,
            String policy,
            io.p9gate.audit.IdMapping ids,
            String detail) {
        static Kind of(AuditEvent.Decision d) {
            return new Kind(
                    d.op(),
                    d.path(),
                    d.errno(),
                    d.outcome(),
                    d.ruleIds(),
                    d.policyDigest(),
                    d.ids(),
                    PeerWord.without(d.detail()));
        }
    }

    /** What refusals over budget are counted by: their kind without path and ids. */
    private record OverBudget(
            String op, int errno, io.p9gate.audit.Outcome outcome, List<String> rules, String policy) {
        static OverBudget of(AuditEvent.Decision d) {
            return new OverBudget(d.op(), d.errno(), d.outcome(), d.ruleIds(), d.policyDigest());
        }
    }

    /** Refusals counted but not written yet. */
    private static final class Pending {
        final AuditEvent.Decision first;
        /** Seq of the record written for the first one, or {@link AuditTrail#NO_SEQ} for a class over budget. */
        final long firstSeq;

        long count;
        AuditEvent.Decision last;
        String commonPath;
        /** The words every detail counted starts with (a class over budget counts refusals that asked differently). */
        String commonDetail;
        /** Whether a refusal counted came from another peer than the first (its summary says {@code peer=varied}). */
        boolean peerVaried;
        /** Where the refusals counted came from, and how many kinds they were. */
        final SummarisedSpread spread = new SummarisedSpread();

        Pending(AuditEvent.Decision first, long firstSeq) {
            this.first = first;
            this.firstSeq = firstSeq;
            this.commonPath = first.path();
            this.commonDetail = first.detail();
        }

        void add(AuditEvent.Decision d) {
            count++;
            last = d;
            commonPath = commonDirectory(commonPath, d.path());
            commonDetail = commonWords(commonDetail, d.detail());
            peerVaried |= !Objects.equals(PeerWord.of(first.detail()), PeerWord.of(d.detail()));
            spread.add(d);
        }

        AuditEvent.Decision summary() {
            boolean varied = firstSeq == AuditTrail.NO_SEQ;
            // Only what all of them asked: the first's share or to= said of all counted a question a decoy asked
            // (adversarial.RefusalSummaryIdentityAttackTest).
            String asked = varied ? commonDetail : first.detail();
            if (peerVaried) {
                asked = PeerWord.varied(asked);
            }
            String base = asked == null || asked.isEmpty() ? "" : asked + " ";
            if (varied && !Objects.equals(commonDetail, first.detail())) {
                base += "details=varied ";
            }
            String detail = base
                    + spread.words(peerVaried, varied)
                    + (varied ? RefusalSummaryWords.PATHS_VARIED : RefusalSummaryWords.REPEAT_OF + firstSeq);
            return first.summarising(count, varied ? commonPath : first.path(), last.tag(), last.session(), detail);
        }
    }

    /** One VM's current window. */
    private static final class Window {
        Instant start;
        int written;
        /** The characters of path and detail of the kinds written one by one. */
        long writtenBytes;

        final Map<Object, Pending> pending = new LinkedHashMap<>();
    }

    private final Clock clock;
    private final RefusalBudget budget;
    private final Writer writer;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    RepeatedRefusals(Clock clock, RefusalBudget budget, Writer writer) {
        this.clock = Objects.requireNonNull(clock);
        this.budget = Objects.requireNonNull(budget);
        this.writer = Objects.requireNonNull(writer);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-refusals");
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes, once per window, the windows that ended while their VM sent no refusal. */
    void startTimer() {
        long ms = Math.max(1, budget.window().toMillis());
        timer.scheduleWithFixedDelay(this::flushEnded, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Records one refusal: writes it (returning its seq) when it is the first of its kind in its VM's window and
     * the budget allows, else counts it ({@link AuditTrail#NO_SEQ}).
     *
     * @throws P9Exception EIO when a record could not be written
     */
    long record(AuditEvent.Decision refusal) throws P9Exception {
        Window w = windows.computeIfAbsent(refusal.vm(), vm -> new Window());
        synchronized (w) {
            Instant now = clock.instant();
            if (w.start == null || !now.isBefore(w.start.plus(budget.window()))) {
                writeAndClear(w);
                w.start = now;
            }
            Kind kind = Kind.of(refusal);
            Pending same = w.pending.get(kind);
            if (same != null) {
                same.add(refusal);
                return AuditTrail.NO_SEQ;
            }
            if (w.written < budget.distinct() && w.writtenBytes < budget.bytes()) {
                long seq = writer.write(refusal);
                w.written++;
                w.writtenBytes += size(refusal);
                w.pending.put(kind, new Pending(refusal, seq));
                return seq;
            }
            w.pending
                    .computeIfAbsent(OverBudget.of(refusal), c -> new Pending(refusal, AuditTrail.NO_SEQ))
                    .add(refusal);
            return AuditTrail.NO_SEQ;
        }
    }

    /** Writes the summaries of every window that has ended. */
    void flushEnded() {
        Instant now = clock.instant();
        for (Window w : windows.values()) {
            synchronized (w) {
                if (w.start != null && !now.isBefore(w.start.plus(budget.window()))) {
                    try {
                        writeAndClear(w);
                        w.start = null;
                    } catch (P9Exception e) {
                        warnLost(e);
                    }
                }
            }
        }
    }

    /** Writes every pending summary now (at shutdown, before the log's last records). */
    @Override
    public void close() {
        timer.shutdownNow();
        for (Window w : windows.values()) {
            synchronized (w) {
                try {
                    writeAndClear(w);
                } catch (P9Exception e) {
                    warnLost(e);
                }
            }
        }
    }

    private void writeAndClear(Window w) throws P9Exception {
        List<Pending> due = new ArrayList<>(w.pending.values());
        w.pending.clear();
        w.written = 0;
        w.writtenBytes = 0;
        for (Pending p : due) {
            if (p.count > 0) {
                writer.write(p.summary());
            }
        }
    }

    /**
     * What a refusal's own words take of its record: its path and its detail (the rest is a few fixed fields), as
     * the record writes them: a character outside printable ASCII as a six-byte backslash-u escape
     * (CanonicalJson): a name of 85 three-byte characters counts the 510 bytes it takes there, not 85.
     */
    private static long size(AuditEvent.Decision refusal) {
        return written(refusal.path()) + (refusal.detail() == null ? 0 : written(refusal.detail()));
    }

    private static long written(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x20 || c >= 0x7f ? 6 : c == '"' || c == '\\' ? 2 : 1;
        }
        return bytes;
    }

    /** Counts that could not be written: the log has failed (and reports that itself); say what is lost. */
    private static void warnLost(P9Exception e) {
        LOG.log(
                System.Logger.Level.WARNING,
                () -> "audit: summary of repeated refusals not written: " + e.getMessage());
    }

    /**
     * The words both details start with (space-separated), empty if none; null if either is. Their {@link PeerWord}s
     * are alike (the first's is kept: {@link Pending#peerVaried} says whether they differed).
     */
    static String commonWords(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        if (a.equals(b)) {
            return a;
        }
        String[] x = a.split(" ");
        String[] y = b.split(" ");
        StringJoiner out = new StringJoiner(" ");
        for (int i = 0; i < Math.min(x.length, y.length) && (x[i].equals(y[i]) || PeerWord.bothAt(x, y, i)); i++) {
            out.add(x[i]);
        }
        return out.toString();
    }

    /** The deepest directory that holds both share paths ({@code /} at least). */
    static String commonDirectory(String a, String b) {
        if (a.equals(b)) {
            return a;
        }
        String[] x = a.split("/");
        String[] y = b.split("/");
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < Math.min(x.length, y.length) && x[i].equals(y[i]); i++) {
            out.append('/').append(x[i]);
        }
        return out.isEmpty() ? "/" : out.toString();
    }
}
