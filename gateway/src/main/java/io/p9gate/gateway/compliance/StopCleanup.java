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
     * restarted, or the socket was cut) is removed over a new connection, retried while the gateway comes back.
     */
    void finished() {
        List<Made> left;
        synchronized (this) {
            finished = true;
            left = new ArrayList<>(made);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook sees finished and does nothing
        }
        if (!left.isEmpty()) {
            progress.println("p9gate compliance: removing what the suite made and could not remove itself");
            removeAll(left, RETRIES);
        }
    }

    private void stopped() {
        List<Made> left;
        synchronized (this) {
            if (finished) {
                return;
            }
            stopping = true;
            // The run's requests now fail at once, so it makes nothing more while its places are removed.
            sessions.forEach(GuestSession::close);
            left = new ArrayList<>(made);
        }
        if (left.isEmpty()) {
            return;
        }
        progress.println("p9gate compliance: stopped; removing what the suite made");
        removeAll(left, ONCE);
    }

    /** Removes each place, saying per place what it removed or left; a connection that fails is tried again. */
    private void removeAll(List<Made> left, Retries retries) {
        for (Made m : left) {
            String where = m.share() + ":" + m.holder() + " (" + m.token() + "*)";
            try {
                List<String> remaining = retries.run(() -> remove(m));
                progress.println(PrintableText.escape(
                        remaining.isEmpty()
                                ? "  removed " + where
                                : "  LEFT in " + where + ": " + String.join(", ", remaining)));
            } catch (IOException e) {
                progress.println(PrintableText.escape("  LEFT in " + where + ": " + e.getMessage()));
            }
        }
        progress.flush();
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
