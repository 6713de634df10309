package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.session.FakeHandler;
import io.p9gate.gateway.session.SessionPipeline;
import io.p9gate.gateway.session.SessionSettings;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A VM whose requests are served on its own event loop (Session.servedOnLoop: the kernel client's lone reads,
 * writes, opens and stats) is as active for the fair worker pool as one whose requests ran on its workers: while it
 * is served, another VM gets one prompt thread and its further tasks in flight run on the bulk threads (R-ROB-1).
 * Before, such a VM never touched its lane, so the pool took it for idle: a VM flooding the workers ran on every
 * prompt thread but one, at normal priority, against the served VM's loop (issue 11 made reads and writes quick,
 * so a VM copying files was idle to the pool). Counts of tasks running and waiting, no durations.
 */
class LoopServedActivityTest {
    private FairWorkerPool pool;
    private EmbeddedChannel channel;

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    private static VmBudget vm(String name) {
        return new VmBudget(name, new Limits(4, 16, 16, 16, 1 << 20, 16, 1 << 24, 1), null);
    }

    private void send(int tag, TMessage request) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, request), wire);
        channel.writeInbound(wire);
        channel.runPendingTasks();
    }

    /** Runs the loop's tasks (replies the workers handed back) until {@code count} replies were written. */
    private void awaitReplies(int count) throws InterruptedException {
        int seen = 0;
        for (int i = 0; i < 3000 && seen < count; i++) {
            channel.runPendingTasks();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                ((ByteBuf) out).release();
                seen++;
            }
            if (seen < count) {
                Thread.sleep(10);
            }
        }
        assertEquals(count, seen, "replies");
    }

    @Test
    void aVmServedOnItsOwnLoopKeepsAnotherVmToOnePromptThread() throws Exception {
        pool = new FairWorkerPool(3, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a"));
        FairWorkerPool.Lane b = pool.lane(vm("b"));
        channel = new EmbeddedChannel();
        SessionPipeline.install(
                channel.pipeline(),
                new FakeHandler.Factory(),
                b,
                new SessionSettings("b", 8192, SessionSettings.DEFAULT_MAX_OUTSTANDING).onOwnLoops(true),
                new AtomicLong()::incrementAndGet,
                "b");
        send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.L"));
        awaitReplies(1);
        send(1, new TMessage.Tattach(0, TMessage.NOFID, "u", "", 0));
        awaitReplies(1);
        // b's Tversion and Tattach ran on its lane: let that activity age out of the pool's window, so that what
        // follows is b's only recent activity.
        Thread.sleep(FairWorkerPool.ACTIVE_WINDOW_MS + 200);

        send(2, new TMessage.Tgetattr(0, 0x7ff));
        assertEquals(0, b.waiting(), "b's lone Tgetattr was served on its loop");
        awaitReplies(1);

        CountDownLatch aRunning = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 5; i++) {
            a.execute(() -> {
                aRunning.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertTrue(aRunning.await(30, TimeUnit.SECONDS));
            assertEquals(
                    3,
                    a.waiting(),
                    "b is being served: a runs one task on a prompt thread and one on the bulk thread, not two of"
                            + " the three prompt threads");
        } finally {
            release.countDown();
        }
    }
}
