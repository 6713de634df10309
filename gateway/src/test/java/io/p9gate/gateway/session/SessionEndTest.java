package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayDeque;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * A connection is counted closed when its session has ended ({@link Session#ended}), and that must not be before
 * its request handler is closed: the handler's close releases the session's fids, so ending first would let one
 * scrape of the metrics show no connection with fids still open. The lane's work is queued and run by the test,
 * so the order is checked without timing.
 */
class SessionEndTest {
    private final Queue<Runnable> laneWork = new ArrayDeque<>();

    private void runLaneWork(EmbeddedSession s) {
        for (Runnable next; (next = laneWork.poll()) != null; ) {
            next.run();
        }
        s.channel.runPendingTasks();
    }

    /** The session of {@code s}, its Tversion answered: it has a handler to close. */
    private Session negotiated(EmbeddedSession s) throws Exception {
        Session session = (Session) s.channel.pipeline().get("9p-session");
        s.negotiate(8192);
        runLaneWork(s);
        assertEquals(1, s.replies().size(), "Rversion");
        return session;
    }

    @Test
    void endsOnlyAfterItsHandlerIsClosed() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(8192, RequestLane.unbudgeted(laneWork::add, "test"))) {
            Session session = negotiated(s);

            s.channel.close();
            s.channel.runPendingTasks();
            assertEquals(0, s.handlers.closes.get(), "the handler's close is still queued on the lane");
            assertFalse(session.ended().toCompletableFuture().isDone(), "ended before its fids were released");

            runLaneWork(s);
            assertEquals(1, s.handlers.closes.get());
            assertTrue(session.ended().toCompletableFuture().isDone());
        }
    }

    /**
     * The session closes its own connection (here a tag reused) while the last request's answer is already queued on
     * the loop, ahead of channelInactive: the answer starts the handler's close, and channelInactive, finding no
     * handler left, must not end the session before that close ran (it did: the connection's place was given back
     * with its fids still open, adversarial.WaitingFlushChainAttackTest saw 2 fids once alpha had no connection).
     */
    @Test
    void endsOnlyAfterItsHandlerIsClosedWhenTheLastAnswerCameBeforeTheClose() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(8192, RequestLane.unbudgeted(laneWork::add, "test"))) {
            Session session = negotiated(s);

            s.send(1, new TMessage.Tgetattr(0, 0x7ff));
            for (Runnable next; (next = laneWork.poll()) != null; ) {
                next.run(); // its answer waits on the loop
            }
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // tag 1 reused: the session closes the connection
            assertFalse(s.channel.isOpen());
            assertEquals(0, s.handlers.closes.get(), "the handler's close is still queued on the lane");
            assertFalse(session.ended().toCompletableFuture().isDone(), "ended before its fids were released");

            runLaneWork(s);
            assertEquals(1, s.handlers.closes.get());
            assertTrue(session.ended().toCompletableFuture().isDone());
        }
    }

    @Test
    void aConnectionWithoutASessionEndsWhenItCloses() {
        try (EmbeddedSession s = new EmbeddedSession(8192, RequestLane.unbudgeted(laneWork::add, "test"))) {
            Session session = (Session) s.channel.pipeline().get("9p-session");
            s.channel.close();
            s.channel.runPendingTasks();
            assertTrue(session.ended().toCompletableFuture().isDone(), "no Tversion: no handler to wait for");
        }
    }
}
