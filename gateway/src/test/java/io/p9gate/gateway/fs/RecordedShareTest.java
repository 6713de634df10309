package io.p9gate.gateway.fs;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share holding the file "f" ("content") whose every decision and record is kept ({@link GuardedFsTest}'s
 * recording policy and audit), and a session attached as fid 0: the fixture of the fid-claim race tests (as
 * {@code ops.ShareTestBase} is for the ops tests, which record nothing).
 */
abstract class RecordedShareTest {
    @TempDir
    Path tmp;

    final GuardedFsTest.RecordingPolicy policy = new GuardedFsTest.RecordingPolicy();
    final GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
    ShareServerFactory factory;
    TestSession s;

    @BeforeEach
    final void openShare() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        factory = TestSession.factory(share, policy, audit);
        s = TestSession.attached(factory);
    }

    @AfterEach
    final void closeShare() {
        s.close();
        factory.close();
    }
}
