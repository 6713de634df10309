package io.p9gate.gateway.ops;

import static io.p9gate.gateway.proto.LockConstants.LOCK_BLOCKED;
import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tlock/Tgetlock through FileServer: conflicts across sessions, release on clunk and close. */
class LockOpsTest {
    @TempDir
    Path tmp;

    ShareServerFactory factory;
    TestSession a;
    TestSession b;

    @BeforeEach
    void setUp() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "0123456789");
        factory = TestSession.factory(share);
        a = TestSession.attached(factory);
        b = TestSession.attached(factory);
        a.walk(0, 1, "f");
        a.lopen(1, 2);
        b.walk(0, 1, "f");
        b.lopen(1, 2);
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
        factory.close();
    }

    static int lock(TestSession s, int type, long start, long len, int proc) throws Exception {
        return s.expect(RMessage.Rlock.class, new TMessage.Tlock(1, type, 0, start, len, proc, "guest"))
                .status();
    }

    static RMessage.Rgetlock getlock(TestSession s, int type, long start, long len, int proc) throws Exception {
        return s.expect(RMessage.Rgetlock.class, new TMessage.Tgetlock(1, type, start, len, proc, "guest"));
    }

    @Test
    void conflictMatrixAcrossSessions() throws Exception {
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_RDLCK, 0, 10, 1));
        assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_RDLCK, 5, 10, 1), "read + read");
        assertEquals(LOCK_BLOCKED, lock(b, LOCK_TYPE_WRLCK, 0, 1, 1), "write over another's read");
        assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_WRLCK, 10, 0, 1), "beyond a's range");
        assertEquals(LOCK_BLOCKED, lock(a, LOCK_TYPE_RDLCK, 100, 1, 1), "read over another's write");
        RMessage.Rgetlock g = getlock(a, LOCK_TYPE_RDLCK, 50, 1, 1);
        assertEquals(LOCK_TYPE_WRLCK, g.lockType());
        assertEquals(10, g.start());
        assertEquals(0, g.length());
        RMessage.Rgetlock free = getlock(a, LOCK_TYPE_RDLCK, 0, 5, 1);
        assertEquals(LOCK_TYPE_UNLCK, free.lockType());
        assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_UNLCK, 0, 0, 1));
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_WRLCK, 0, 0, 1), "after unlock");
        assertEquals(Errno.EINVAL, a.fails(new TMessage.Tlock(1, 7, 0, 0, 0, 1, "guest")));
    }

    /**
     * The Linux client sends every fcntl(F_GETLK) that found no conflict in the guest as a Tgetlock of type UNLCK
     * (v9fs_file_getlock: posix_test_lock has just set the type to F_UNLCK), so that query is the only one a guest
     * ever makes; answered "no conflict", a guest never saw another VM's lock (diod answers it EINVAL: its issue 163).
     */
    @Test
    void anUnlockQueryAsTheLinuxClientSendsItShowsAnotherSessionsLock() throws Exception {
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_WRLCK, 0, 10, 1));
        RMessage.Rgetlock write = getlock(b, LOCK_TYPE_UNLCK, 5, 1, 1);
        assertEquals(LOCK_TYPE_WRLCK, write.lockType(), "F_GETLK through the Linux client sees the write lock");
        assertEquals(0, write.start());
        assertEquals(10, write.length());
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_RDLCK, 0, 10, 1));
        assertEquals(LOCK_TYPE_RDLCK, getlock(b, LOCK_TYPE_UNLCK, 0, 0, 1).lockType(), "and a read lock");
        assertEquals(LOCK_TYPE_UNLCK, getlock(b, LOCK_TYPE_UNLCK, 10, 0, 1).lockType(), "none past it");
        assertEquals(LOCK_TYPE_UNLCK, getlock(a, LOCK_TYPE_UNLCK, 0, 0, 1).lockType(), "nor its own");
    }

    @Test
    void clunkAndCloseReleaseLocks() throws Exception {
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_WRLCK, 0, 0, 1));
        assertEquals(LOCK_BLOCKED, lock(b, LOCK_TYPE_WRLCK, 0, 0, 1));
        a.clunk(1);
        assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_WRLCK, 0, 0, 1));
        a.walk(0, 1, "f");
        a.lopen(1, 2);
        assertEquals(LOCK_BLOCKED, lock(a, LOCK_TYPE_RDLCK, 0, 0, 2));
        b.close();
        assertEquals(LOCK_SUCCESS, lock(a, LOCK_TYPE_RDLCK, 0, 0, 2));
    }
}
