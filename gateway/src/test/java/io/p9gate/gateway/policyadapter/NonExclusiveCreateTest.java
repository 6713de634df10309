package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 2: a Tlcreate without O_EXCL opens the file when it exists, and was decided only as CREATE. A policy
 * that lets a VM create files but not rewrite {@code *.sh} (deny OPEN_WRITE) was bypassed by Tlcreate(O_TRUNC) of an
 * existing script: decided as a create, carried out as an open that truncated it. Such a create is also decided as
 * the open its flags ask for.
 */
class NonExclusiveCreateTest {
    private static final int P9_WRONLY = 1;
    private static final int P9_TRUNC = 01000;
    private static final int P9_EXCL = 0200;

    @TempDir
    Path tmp;

    @Test
    void aCreateThatMayOpenAnExistingFileIsDecidedAsThatOpen() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Files.writeString(fx.policyFile, fx.policy("").replace("ops: [CREATE, OPEN_WRITE]", "ops: [OPEN_WRITE]"));
        Files.writeString(fx.data.resolve("cache/run.sh"), "#!/bin/sh\necho kept\n");
        try (var shares = fx.shares(fx.holder());
                TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            s.walk(TestSession.ROOT, 1, "cache");
            assertEquals(
                    Errno.EACCES,
                    s.fails(new TMessage.Tlcreate(1, "run.sh", P9_WRONLY | P9_TRUNC, 0644, 0)),
                    "an existing script is not opened for writing through Tlcreate");
            assertEquals(
                    Errno.EACCES,
                    s.fails(new TMessage.Tlcreate(1, "new.sh", P9_WRONLY, 0644, 0)),
                    "nor a new one that the create would leave open for writing");
            s.lcreate(1, "excl.sh", P9_WRONLY | P9_EXCL, 0644);
        }
        assertEquals("#!/bin/sh\necho kept\n", Files.readString(fx.data.resolve("cache/run.sh")));
        assertFalse(Files.exists(fx.data.resolve("cache/new.sh")));
    }
}
