package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which requests the session may serve on a VM's own event loop (issue 11): lookups, a Tclunk that only
 * closes, reads, writes and read-only opens. Never one that waits for the disk's flush: a change's intent (a
 * Tclunk that commits an xattr or removes an ORCLOSE file is one), an open for writing, an O_DSYNC write. Asked of the real handler, through the audited session the gateway opens.
 */
class QuickRequestsTest extends ShareTestBase {
    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("f"), "data");
    }

    @Test
    void lookupsAndAClunkThatOnlyClosesAreQuick() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        s.lopen(1, 0);
        assertTrue(s.quick(new TMessage.Twalk(TestSession.ROOT, 2, List.of("f"))));
        assertTrue(s.quick(new TMessage.Tgetattr(1, 0x7ff)));
        assertTrue(s.quick(new TMessage.Tclunk(1)), "an opened file: closing it changes nothing");
        assertTrue(s.quick(new TMessage.Tclunk(TestSession.ROOT)));
        assertTrue(s.quick(new TMessage.Tclunk(77)), "an unknown fid is answered EBADF");
    }

    /**
     * The kernel client reads and writes one request at a time: a Tread, a Twrite (whose intent only reaches the
     * kernel, the open it acts through being on disk already) and a read-only Tlopen are quick. Not what waits for
     * the disk: an open for writing (its record is synced), a write through an O_DSYNC open; nor a 9P2000.u
     * directory read, which judges a listing like Treaddir.
     */
    @Test
    void fileReadsWritesAndReadOnlyOpensAreQuickUnlessTheyWaitForTheDisk() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        assertTrue(s.quick(new TMessage.Tlopen(1, 0)), "a read-only open");
        assertFalse(s.quick(new TMessage.Tlopen(1, 1)), "an open for writing");
        s.lopen(1, 2);
        assertTrue(s.quick(new TMessage.Tread(1, 0, 4)));
        assertTrue(s.quick(new TMessage.Twrite(1, 0, Unpooled.EMPTY_BUFFER)));
        s.walk(TestSession.ROOT, 2, "f");
        s.lopen(2, 2 | 010000); // O_RDWR | O_DSYNC
        assertTrue(s.quick(new TMessage.Tread(2, 0, 4)));
        assertFalse(s.quick(new TMessage.Twrite(2, 0, Unpooled.EMPTY_BUFFER)), "each write waits for the disk");
        assertTrue(s.quick(new TMessage.Tread(77, 0, 4)), "an unknown fid is answered EBADF");
        ShareServerFactory legacy = TestSession.factory(share, new io.p9gate.gateway.fs.AllowAll(), new NoAudit());
        try (TestSession u = TestSession.attached(legacy, Dialect.U)) {
            u.walk(TestSession.ROOT, 1, "f");
            u.expect(RMessage.Ropen.class, new TMessage.Topen(1, 0));
            assertTrue(u.quick(new TMessage.Tread(1, 0, 4)));
            u.walk(TestSession.ROOT, 2);
            u.expect(RMessage.Ropen.class, new TMessage.Topen(2, 0));
            assertFalse(u.quick(new TMessage.Tread(2, 0, 4096)), "a directory's listing");
        } finally {
            legacy.close();
        }
    }

    @Test
    void aClunkThatCommitsAnXattrIsNotQuick() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(1, "user.k", 1, 0));
        assertFalse(s.quick(new TMessage.Tclunk(1)));
    }

    @Test
    void aClunkThatRemovesAnOrcloseFileIsNotQuick() throws Exception {
        ShareServerFactory legacy = TestSession.factory(share, new io.p9gate.gateway.fs.AllowAll(), new NoAudit());
        try (TestSession u = TestSession.attached(legacy, Dialect.U)) {
            u.walk(TestSession.ROOT, 1, "f");
            u.expect(RMessage.Ropen.class, new TMessage.Topen(1, 0x01 | 0x40)); // OWRITE | ORCLOSE
            assertFalse(u.quick(new TMessage.Tclunk(1)));
            u.walk(TestSession.ROOT, 2, "f");
            u.expect(RMessage.Ropen.class, new TMessage.Topen(2, 0x01));
            assertTrue(u.quick(new TMessage.Tclunk(2)), "the same open without ORCLOSE only closes");
        } finally {
            legacy.close();
        }
    }

    @Test
    void noChangeButAWriteAndNoOpenForWritingIsQuick() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        List<TMessage.FileRequest> slow = List.of(
                new TMessage.Tlcreate(TestSession.ROOT, "g", 0, 0644, 0),
                new TMessage.Tlopen(1, 01000), // O_TRUNC
                new TMessage.Tlopen(1, 2), // O_RDWR: its record waits for the disk
                new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0)),
                new TMessage.Tmkdir(TestSession.ROOT, "d", 0755, 0),
                new TMessage.Tsymlink(TestSession.ROOT, "l", "f", 0),
                new TMessage.Tlink(TestSession.ROOT, 1, "h"),
                new TMessage.Trenameat(TestSession.ROOT, "f", TestSession.ROOT, "g"),
                new TMessage.Tunlinkat(TestSession.ROOT, "f", 0),
                new TMessage.Tremove(1),
                new TMessage.Txattrcreate(1, "user.k", 1, 0),
                new TMessage.Treaddir(TestSession.ROOT, 0, 4096),
                new TMessage.Tfsync(1, 0));
        for (TMessage.FileRequest request : slow) {
            assertFalse(s.quick(request), request.toString());
        }
    }
}
