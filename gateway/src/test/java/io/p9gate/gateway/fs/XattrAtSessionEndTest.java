package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Txattrcreate value written and never clunked is committed when the session ends, as its Tclunk would (the
 * session's end clunks every fid, version(5); QEMU's 9p commits it so too), decided and recorded. Before, it was
 * dropped without any record.
 */
class XattrAtSessionEndTest {
    @TempDir
    Path tmp;

    Path share;
    final GuardedFsTest.RecordingPolicy policy = new GuardedFsTest.RecordingPolicy();
    final GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
    ShareServerFactory factory;

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        factory = TestSession.factory(share, policy, audit);
    }

    @AfterEach
    void tearDown() {
        factory.close();
    }

    private void pendingThenEnd(String name, String written, int size) throws Exception {
        try (TestSession s = TestSession.attached(factory)) {
            s.walk(0, 1, "f");
            s.call(new TMessage.Txattrcreate(1, name, size, 0));
            s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(written.getBytes(StandardCharsets.UTF_8))));
        }
    }

    private GuardedFsTest.Recorded lastCommit() {
        return audit.records.stream()
                .filter(r -> r.request().operation() == Operation.XATTR_COMMIT)
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no record of the commit"));
    }

    @Test
    void aWrittenValueIsCommittedAndRecordedAtTheSessionsEnd() throws Exception {
        pendingThenEnd("user.a", "v", 1);
        var view = Files.getFileAttributeView(share.resolve("f"), UserDefinedFileAttributeView.class);
        ByteBuffer buf = ByteBuffer.allocate(view.size("a"));
        view.read("a", buf);
        assertEquals("v", new String(buf.array(), StandardCharsets.UTF_8));
        assertNull(lastCommit().outcome().errno());
    }

    @Test
    void anIncompleteValueIsRecordedAsTheClunksFailureAndNotSet() throws Exception {
        pendingThenEnd("user.b", "v", 2);
        var view = Files.getFileAttributeView(share.resolve("f"), UserDefinedFileAttributeView.class);
        assertFalse(view.list().contains("b"));
        assertEquals(Errno.EINVAL, lastCommit().outcome().errno(), "recorded as its Tclunk's would be");
    }
}
