package io.p9gate.gateway.ops;

import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A share "share" in a temp directory, a factory serving it and a session attached as fid 0. */
abstract class ShareTestBase {
    @TempDir
    Path tmp;

    Path share;
    ShareServerFactory factory;
    TestSession s;

    /** Fills the share (and its surroundings) before the session attaches; empty by default. */
    void populate() throws Exception {}

    @BeforeEach
    final void openShare() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        populate();
        factory = TestSession.factory(share);
        s = TestSession.attached(factory);
    }

    @AfterEach
    final void closeShare() {
        s.close();
        factory.close();
    }
}
