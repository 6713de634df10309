package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.PrintableText;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes what the suite made when the run is stopped half-way (Ctrl-C, SIGTERM from a CI job's timeout): a JVM
 * shutdown hook that closes the run's sessions, then removes every place the run made and has not yet removed,
 * over a new connection as the VM (so each removal is decided and recorded like the run's own cleanup). Without it,
 * a stopped run left its scratch directories in the live share, with up to {@code --max-creates} entries of an
 * inode quota's fill, counted against the VM's quota.
 */
final class StopCleanup {
    /** A place the run made: where the entries carrying {@code token} are, and how to reach them as the VM. */
    record Made(VmTransport transport, Oracle oracle, int uid, int gid, String share, SharePath holder, String token) {}

    /** A stop is the operator waiting: one try per place. */
    private static final Retries ONCE = new Retries(1, Duration.ZERO);

    /** A gateway restarted under the run: about half a minute for it to listen again. */
    private static final Retries RETRIES = new Retries(6, Duration.ofSeconds(5));

    private final PrintWriter progress;
    private final Set<Made> made = new LinkedHashSet<>();
    /** The places the end-of-run retry has not finished with yet. */
    private final Set<Made> pending = new LinkedHashSet<>();

    private final Set<GuestSession> sessions = new LinkedHashSet<>();
    private final Thread hook = new Thread(this::stopped, "p9gate-compliance-stop");
    private boolean stopping;
    private boolean finished;

    private StopCleanup(PrintWriter progress) {
        this.progress = progress;
    }

    static StopCleanup install(PrintWriter progress) {
        StopCleanup stop = new StopCleanup(progress);
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** A session of the run; a session opened while the run is being stopped is closed at once. */
    synchronized void opened(GuestSession session) throws IOException {
        if (stopping) {
            session.close();
            throw new IOException("the run is being stopped");
        }
        sessions.add(session);
    }

    synchronized void made(Made place) {
        made.add(place);
    }

    synchronized void removed(Made place) {
        made.remove(place);
    }

    synchronized boolean stopping() {
        return stopping;
    }

    /**
     * The run ended by itself. What it made and could not remove itself (its connection broke: the gateway
     * restarted, or the socket was cut) is removed over a new connection, retried while the gateway comes back; one
     * result per place, for the reports. The stop hook stays installed meanwhile: a stop during the retry says what
     * it leaves.
     */
    List<CheckResult> finished() {
        List<Made> left;
        synchronized (this) {
            if (finished || stopping) {
                finished = true;
                return List.of(); // a stop hook already removes what is left
            }
            finished = true;
            left = new ArrayList<>(made);
            pending.addAll(left);
        }
        List<CheckResult> results = new ArrayList<>();
        if (!left.isEmpty()) {
            progress.println("p9gate compliance: removing what the suite made and could not remove itself");
            for (Made m : left) {
                List<String> remaining = removeOne(m, RETRIES);
                synchronized (this) {
                    if (stopping) {
                        break; // the stop hook reports what is still pending
                    }
                    pending.remove(m);
                }
                results.add(retryResult(m, remaining));
            }
            progress.flush();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook has reported what was pending
        }
        return results;
    }

    /** The retry of one place as a check of the share: passed when nothing of the suite is left. */
    private static CheckResult retryResult(Made m, List<String> remaining) {
        return new CheckResult(
                m.oracle().vm() + "/" + m.share() + "/cleanup-retry",
                m.oracle().vm(),
                m.share(),
                "R-COMP-1",
                "the suite removes what it made in " + m.holder()
                        + " and could not remove itself, over a new connection at the end of the run",
                remaining.isEmpty() ? Status.PASSED : Status.FAILED,
                "Tunlinkat of " + m.token() + "* in " + m.holder() + ", up to " + RETRIES.attempts() + " tries",
                "nothing left",
                remaining.isEmpty() ? "removed" : "left: " + String.join(", ", remaining),
                "",
                List.of());
    }

    /** The shutdown hook: package-private for the test of what a stop says. */
    void stopped() {
        List<Made> left;
        boolean retrying;
        synchronized (this) {
            retrying = finished;
            if (finished && pending.isEmpty()) {
                return;
            }
            stopping = true;
            // The run's requests now fail at once, so it makes nothing more while its places are removed.
            sessions.forEach(GuestSession::close);
            left = new ArrayList<>(retrying ? pending : made);
        }
        if (left.isEmpty()) {
            // Said all the same: the run's output would otherwise end after some check's line, without a summary.
            progress.println("p9gate compliance: stopped before the end; the suite left nothing in the shares; "
                    + "no report written");
            progress.flush();
            return;
        }
        progress.println(
                retrying
                        ? "p9gate compliance: stopped while removing what the suite could not remove itself; "
                                + "one more try"
                        : "p9gate compliance: stopped; removing what the suite made");
        left.forEach(m -> removeOne(m, ONCE));
        progress.flush();
    }

    /** Removes one place, saying what it removed or left; a connection that fails is tried again. */
    private List<String> removeOne(Made m, Retries retries) {
        String where = m.share() + ":" + m.holder() + " (" + m.token() + "*)";
        List<String> remaining;
        try {
            remaining = retries.run(() -> remove(m));
        } catch (IOException e) {
            remaining = List.of(e.getMessage());
        }
        progress.println(PrintableText.escape(
                remaining.isEmpty()
                        ? "  removed " + where
                        : "  LEFT in " + where + ": " + String.join(", ", remaining)));
        progress.flush();
        return remaining;
    }

    /** Removes the place's entries on a session of its own; what is still there after two rounds. */
    private static List<String> remove(Made m) throws IOException {
        P9Client client = m.transport().connect(256 * 1024);
        client.timeout(Duration.ofSeconds(10)); // the operator is waiting for the stop
        try (GuestSession session = new GuestSession(client, 0, m.oracle(), new ProbeLog(), m.uid(), m.gid())) {
            try {
                client.version(client.msize(), P9Client.VERSION);
            } catch (P9Exception e) {
                throw new IOException("Tversion: " + e.getMessage(), e);
            }
            Step root = session.attach(m.share());
            if (!root.ok()) {
                throw new IOException(
                        "cannot attach " + m.share() + ": " + root.reply().describe());
            }
            Cleanup cleanup = new Cleanup(session, root.newFid(), m.token());
            // Twice: a request of the run the gateway was still serving may have made one more entry meanwhile.
            cleanup.removeIn(m.holder());
            new Cleanup(session, root.newFid(), m.token()).removeIn(m.holder());
            return cleanup.leftIn(m.holder());
        }
    }
}
