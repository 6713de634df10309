package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import org.junit.jupiter.api.Test;

/**
 * R-ROB-2: the reply-bytes budget counts what a queued reply's buffer holds, and gives it back on every way out.
 * A read that fills half its count-sized buffer or more is handed over as is (IoOps), so it must be charged the
 * whole buffer: charged its bytes, a VM reading just over half of count=msize held twice its budget.
 */
class ReplyMeterTest {
    private static final long LOTS = 1 << 30;
    private static final int COUNT = 1 << 20;

    private final Admission admission =
            new VmBudget("vm", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), null).admission();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ReplyMeter(admission));

    /** A Rread's payload as IoOps keeps it: a read of just over half its count, in a buffer of that count. */
    private static ByteBuf readJustOverHalf() {
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(COUNT);
        return buf.writerIndex(COUNT / 2 + 1);
    }

    @Test
    void aReplyIsChargedTheBufferItHoldsUntilWritten() {
        ChannelFuture written = channel.write(readJustOverHalf());
        assertEquals(COUNT, admission.queuedReplyBytes());
        channel.flush();
        assertTrue(written.isSuccess());
        assertEquals(0, admission.queuedReplyBytes());
        ReferenceCountUtil.release(channel.readOutbound());
    }

    @Test
    void aReplyDroppedWithItsConnectionGivesBackItsChargeAndItsBuffer() {
        ByteBuf reply = readJustOverHalf();
        ChannelFuture written = channel.write(reply);
        channel.write(readJustOverHalf(), channel.voidPromise());
        assertEquals(2L * COUNT, admission.queuedReplyBytes());
        channel.close();
        assertFalse(written.isSuccess());
        assertEquals(0, admission.queuedReplyBytes());
        assertEquals(0, reply.refCnt());
    }
}
