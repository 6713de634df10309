package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Tclunk or Tremove of a fid that an open has claimed ({@code ops.FidState.Claimed}) but whose record is not
 * written yet: served after that record, so the log's order is the guest's causality (the open, then the clunk), and
 * the clunk sees the opened fid as it is (an ORCLOSE one removes its file).
 */
class OpenClaimClunkTest {
    private static final int ORCLOSE = 0x40;

    @TempDir
    Path tmp;

    Path share;
    final GuardedFsTest.RecordingPolicy policy = new GuardedFsTest.RecordingPolicy();
    final GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
    ShareServerFactory factory;
    TestSession s;
    Meanwhile other;

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        Files.writeString(share.resolve("g"), "content");
        factory = TestSession.factory(share, policy, audit);
    }

    @AfterEach
    void tearDown() {
        s.close();
        factory.close();
    }

    /** Runs {@code open}, with {@code then} sent on fid 1 as the open's record is written (after its claim). */
    private void openedThen(TMessage.FileRequest open, TMessage.FileRequest then) throws Exception {
        audit.meanwhile = () -> other = Meanwhile.start(() -> {
            try {
                s.call(then);
            } catch (P9Exception e) {
                throw new AssertionError(then + " failed", e);
            }
        });
        audit.meanwhileOf = Operation.OPEN;
        s.call(open);
        other.join();
    }

    private List<Operation> lastOperations(int n) {
        List<Operation> ops =
                audit.records.stream().map(r -> r.request().operation()).toList();
        return ops.subList(ops.size() - n, ops.size());
    }

    @Test
    void aClunkOrRemoveDuringAnOpensRecordIsRecordedAfterIt() throws Exception {
        s = TestSession.attached(factory);
        s.walk(0, 1, "f");
        openedThen(new TMessage.Tlopen(1, 0), new TMessage.Tclunk(1));
        assertEquals(List.of(Operation.OPEN, Operation.CLUNK), lastOperations(2), "the open, then the clunk");
        assertFalse(other.finishedFirst(), "the clunk waited for the open's record");
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)));

        s.walk(0, 1, "g");
        openedThen(new TMessage.Tlopen(1, 0), new TMessage.Tremove(1));
        assertEquals(List.of(Operation.OPEN, Operation.REMOVE), lastOperations(2), "the open, then the remove");
        assertFalse(Files.exists(share.resolve("g")));
    }

    /** Before, the clunk found the fid still claimed, only let go of it, and the ORCLOSE file stayed. */
    @Test
    void anOrcloseFidClunkedDuringItsOpensRecordRemovesItsFile() throws Exception {
        s = TestSession.attached(factory, Dialect.LEGACY);
        s.walk(0, 1, "f");
        openedThen(new TMessage.Topen(1, ORCLOSE), new TMessage.Tclunk(1));
        assertEquals(List.of(Operation.OPEN, Operation.REMOVE), lastOperations(2), "the open, then its ORCLOSE");
        assertFalse(Files.exists(share.resolve("f")), "the clunk of an ORCLOSE fid removes the file");
        assertEquals(
                RMessage.Rwalk.class,
                s.call(new TMessage.Twalk(0, 2, List.of())).getClass());
    }
}
