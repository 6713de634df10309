package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Twrite through a fid opened only for reading (a file, or a directory, which is only ever opened so), or a Tread
 * through one opened only for writing, is I/O on a fid not open for it: EBADF before any decision, and no record
 * (docs/filesystem.md), in every dialect. Before, it was decided and recorded as an allowed WRITE (or READ) whose
 * outcome was the host's EBADF or EISDIR: the log showed an allowed write that could never happen.
 */
class IoNotOpenForItTest extends RecordedShareTest {
    private static final int READ_ONLY = 0;
    private static final int WRITE_ONLY = 1;

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void ioAgainstTheOpenModeIsEbadfUndecidedAndUnrecorded(Dialect dialect) throws Exception {
        Files.createDirectories(tmp.resolve("share").resolve("d"));
        TestSession session = dialect == Dialect.L ? s : TestSession.attached(factory, dialect);
        try {
            session.walk(0, 1, "f");
            session.walk(0, 2, "d");
            session.walk(0, 3, "f");
            open(session, dialect, 1, READ_ONLY);
            open(session, dialect, 2, READ_ONLY);
            open(session, dialect, 3, WRITE_ONLY);
            refusedUnseen(session, new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(new byte[] {'x'})));
            refusedUnseen(session, new TMessage.Twrite(2, 0, Unpooled.wrappedBuffer(new byte[] {'x'})));
            refusedUnseen(session, new TMessage.Tread(3, 0, 10));
            assertEquals("content", Files.readString(tmp.resolve("share").resolve("f")), "nothing written");
        } finally {
            if (session != s) {
                session.close();
            }
        }
    }

    /** Tlopen, or Topen (whose OREAD and OWRITE are 0 and 1 as well). */
    private static void open(TestSession session, Dialect dialect, int fid, int mode) throws Exception {
        session.call(dialect == Dialect.L ? new TMessage.Tlopen(fid, mode) : new TMessage.Topen(fid, mode));
    }

    private void refusedUnseen(TestSession session, TMessage.FileRequest request) {
        int asked = policy.asked.size();
        int recorded = audit.records.size();
        assertEquals(Errno.EBADF, session.fails(request), request.toString());
        assertEquals(asked, policy.asked.size(), "no decision of " + request + ": " + policy.asked);
        assertEquals(recorded, audit.records.size(), "no record of " + request + ": " + audit.records);
    }
}
