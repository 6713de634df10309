package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An I/O limit below msize becomes the iounit the client sees, and bounds every Tread and Twrite. */
class IoLimitTest {
    private static final int MSIZE = 512 * 1024;
    private static final int LIMIT = 65512;

    @Test
    void iounitIsTheSmallerOfMsizeAndTheLimit() {
        assertEquals(MSIZE - ConnectionContext.IO_HEADER, new ConnectionContext("l", "p", 1, MSIZE).iounit());
        assertEquals(LIMIT, new ConnectionContext("l", "p", 1, MSIZE, LIMIT).iounit());
        assertEquals(8192 - ConnectionContext.IO_HEADER, new ConnectionContext("l", "p", 1, 8192, LIMIT).iounit());
        assertThrows(IllegalArgumentException.class, () -> new ConnectionContext("l", "p", 1, MSIZE, -1));
    }

    @Test
    void openReportsTheLimitAndReadsAndWritesStayWithinIt(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("big"), new byte[200_000]);
        try (ShareServerFactory factory = new ShareServerFactory(Map.of("share", dir), new AllowAll(), new NoAudit());
                RequestHandler session = factory.open(new ConnectionContext("l", "p", 1, MSIZE, LIMIT))) {
            session.handle(new TMessage.Tattach(0, TMessage.NOFID, "root", "share", 0));
            session.handle(new TMessage.Twalk(0, 1, List.of("big")));
            RMessage.Rlopen open = (RMessage.Rlopen) session.handle(new TMessage.Tlopen(1, 2));
            assertEquals(LIMIT, open.iounit());

            RMessage.Rread read = (RMessage.Rread) session.handle(new TMessage.Tread(1, 0, 150_000));
            try {
                assertEquals(LIMIT, read.data().readableBytes(), "a read larger than the iounit is clamped");
            } finally {
                read.data().release();
            }
            P9Exception tooLarge = assertThrows(
                    P9Exception.class,
                    () -> session.handle(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(new byte[LIMIT + 1]))));
            assertEquals(Errno.EINVAL, tooLarge.errno(), "a write larger than the iounit is refused");
        }
    }
}
