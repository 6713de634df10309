package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.Qid;
import org.junit.jupiter.api.Test;

/**
 * Tlcreate answers with the qid of the stat taken when the file was made (no second statx, issue 11): it must be
 * the qid every later request sees, after the create's chmod and chown, and for a file that already existed.
 */
class CreateReplyTest extends ShareTestBase {
    private static final int RDWR = 2;

    @Test
    void aNewFilesQidIsTheOneTgetattrGives() throws Exception {
        for (int mode : new int[] {0644, 0666, 0600}) {
            s.walk(TestSession.ROOT, 1);
            Qid created = s.lcreate(1, "f" + Integer.toOctalString(mode), RDWR, mode);
            assertEquals(created, s.getattr(1).attr().qid(), "mode " + Integer.toOctalString(mode));
            assertEquals(mode, s.getattr(1).attr().mode() & 07777);
            s.clunk(1);
        }
    }

    @Test
    void anExistingFileOpenedByTlcreateGetsItsCurrentQid() throws Exception {
        s.walk(TestSession.ROOT, 1);
        s.lcreate(1, "f", RDWR, 0644);
        s.write(1, 0, new byte[] {1, 2, 3});
        s.clunk(1);
        s.walk(TestSession.ROOT, 1);
        Qid reopened = s.lcreate(1, "f", RDWR, 0644);
        assertEquals(reopened, s.getattr(1).attr().qid());
        s.clunk(1);
    }
}
