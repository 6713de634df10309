package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.ids.IdRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-5 through the FileServer: alpha's guest ids 0-65535 are host ids 100000-165535. In chown mode
 * the host inode carries the mapped ids; in xattr mode (an unprivileged gateway, selected explicitly
 * here) the host inode keeps the gateway's ids and the guest's live in user.p9gate.* xattrs. Either
 * way getattr shows the guest's ids. These tests run as root (the chown mode needs CAP_CHOWN).
 */
class IdMappingTest {
    static final int O_WRONLY = 1;
    static final int GUEST = 1000;

    @TempDir
    Path tmp;

    private TestSession attachAs(ShareServerFactory shares, PolicyFixture fx, int uid) throws P9Exception {
        TestSession s = TestSession.open(shares, fx.alphaListener());
        s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "u", "data", uid));
        return s;
    }

    private static int hostUid(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int hostGid(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static void setattr(TestSession s, int fid, int valid, int mode, int uid, int gid) throws P9Exception {
        s.expect(
                RMessage.Rsetattr.class, new TMessage.Tsetattr(fid, new SetAttr(valid, mode, uid, gid, 0, 0, 0, 0, 0)));
    }

    @Test
    void chownModeMapsGuestIdsOntoTheHostAndBack() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path hostMade = fx.data.resolve("from-host");
        Files.writeString(hostMade, "x");
        Files.setAttribute(hostMade, "unix:uid", 100_500);
        try (ShareServerFactory shares = fx.shares(fx.holder(), OwnershipMode.CHOWN);
                TestSession s = attachAs(shares, fx, GUEST)) {
            s.walk(TestSession.ROOT, 1);
            s.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(1, "file", O_WRONLY, 0640, 1001));
            Attr a = s.getattr(1).attr();
            assertEquals(List.of(GUEST, 1001), List.of(a.uid(), a.gid()));
            s.expect(RMessage.Rmkdir.class, new TMessage.Tmkdir(TestSession.ROOT, "dir", 0750, 1001));
            s.expect(RMessage.Rsymlink.class, new TMessage.Tsymlink(TestSession.ROOT, "link", "file", 1001));

            s.walk(TestSession.ROOT, 2, "from-host");
            assertEquals(500, s.getattr(2).attr().uid(), "host 100500 is guest 500");
            s.walk(TestSession.ROOT, 3, "notes.txt");
            assertEquals((int) IdRange.MAX_ID, s.getattr(3).attr().uid(), "host root is outside the range: overflow");
            setattr(s, 2, SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, 2000, 2001);
            assertEquals(
                    List.of(2000, 2001),
                    List.of(s.getattr(2).attr().uid(), s.getattr(2).attr().gid()));
        }
        for (String name : List.of("file", "dir", "link")) {
            assertEquals(101_000, hostUid(fx.data.resolve(name)), name);
            assertEquals(101_001, hostGid(fx.data.resolve(name)), name);
        }
        assertEquals(List.of(102_000, 102_001), List.of(hostUid(hostMade), hostGid(hostMade)));
    }

    @Test
    void xattrModeKeepsGuestOwnershipAndModeInXattrsAndLeavesTheHostInodeAlone() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        try (ShareServerFactory shares = fx.shares(fx.holder(), OwnershipMode.XATTR);
                TestSession s = attachAs(shares, fx, GUEST)) {
            s.walk(TestSession.ROOT, 1);
            s.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(1, "file", O_WRONLY, 0444, 1001));
            Attr a = s.getattr(1).attr();
            assertEquals(List.of(GUEST, 1001, 0100444), List.of(a.uid(), a.gid(), a.mode()));
            assertEquals(1, s.write(1, 0, "w".getBytes()), "the gateway can still write what it created 0444");

            setattr(s, 1, SetAttr.SETATTR_MODE | SetAttr.SETATTR_UID, 0600, 3000, 0);
            a = s.getattr(1).attr();
            assertEquals(List.of(3000, 1001, 0100600), List.of(a.uid(), a.gid(), a.mode()));

            // The guest cannot read, list or forge its ownership records.
            s.walk(TestSession.ROOT, 2, "file");
            assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(2, 3, "user.p9gate.uid")));
            assertEquals(Errno.EPERM, s.fails(new TMessage.Txattrcreate(2, "user.p9gate.uid", 1, 0)));
            s.walk(TestSession.ROOT, 4, "file");
            long size = s.expect(RMessage.Rxattrwalk.class, new TMessage.Txattrwalk(4, 5, ""))
                    .size();
            String names = new String(s.read(5, 0, (int) Math.max(size, 1)), StandardCharsets.UTF_8);
            assertFalse(names.contains("p9gate"), names);
        }
        Path file = fx.data.resolve("file");
        assertEquals(0, hostUid(file), "the host inode stays the gateway's");
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        // The host ids the VM's map gives (guest 3000 is host 103000): another VM reads them through its own map.
        assertEquals("103000", read(xattrs, "p9gate.host-uid"));
        assertEquals("101001", read(xattrs, "p9gate.host-gid"));
        assertEquals(Integer.toString(0600), read(xattrs, "p9gate.mode"));
        assertEquals(
                0644,
                (int) Files.getAttribute(file, "unix:mode") & 0777,
                "created 0444: the host inode adds the gateway's rw; the later chmod stays in the xattr");
    }

    private static String read(UserDefinedFileAttributeView view, String name) throws Exception {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        return new String(buf.array(), StandardCharsets.US_ASCII);
    }
}
