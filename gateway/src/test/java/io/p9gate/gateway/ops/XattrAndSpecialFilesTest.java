package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.HostXattrs;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Extended attributes as the Linux client drives them, and special files (R-PROTO-6, R-CONF-2). */
class XattrAndSpecialFilesTest extends ShareTestBase {
    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;

    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("f"), "data");
    }

    private void setxattr(String name, String value, int flags) throws Exception {
        s.walk(0, 10, "f");
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(10, name, v.length, flags));
        if (v.length > 0) {
            assertEquals(v.length, s.write(10, 0, v));
        }
        s.clunk(10);
    }

    private String getxattr(String name) throws Exception {
        s.walk(0, 11, "f");
        long size = s.expect(RMessage.Rxattrwalk.class, new TMessage.Txattrwalk(11, 12, name))
                .size();
        String value = new String(s.read(12, 0, (int) size), StandardCharsets.UTF_8);
        s.clunk(12);
        s.clunk(11);
        return value;
    }

    @Test
    void setGetListRemove() throws Exception {
        setxattr("user.color", "blue", 0);
        setxattr("user.shape", "round", XATTR_CREATE);
        assertEquals("blue", getxattr("user.color"));
        String list = getxattr("");
        assertTrue(list.contains("user.color\0") && list.contains("user.shape\0"), list);
        setxattr("user.color", "red", XATTR_REPLACE);
        assertEquals("red", getxattr("user.color"));
        s.walk(0, 10, "f");
        s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(10, "user.color", 3, XATTR_CREATE));
        s.write(10, 0, "xyz".getBytes(StandardCharsets.UTF_8));
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tclunk(10)));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tclunk(10)), "clunk released the fid despite the error");
        setxattr("user.color", "", XATTR_REPLACE);
        assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(0, 13, "user.color")));
        assertTrue(!getxattr("").contains("user.color"));
    }

    /** One name per namespace that acts on the host rather than on the guest's data (R-POL-5). */
    private static final List<String> HOST_NAMESPACES =
            List.of("security.capability", "security.selinux", "trusted.overlay.redirect", "system.posix_acl_access");

    @Test
    void otherNamespacesThanUserCannotBeSetOrRemoved() throws Exception {
        s.walk(0, 10, "f");
        for (String name : HOST_NAMESPACES) {
            assertEquals(Errno.EOPNOTSUPP, s.fails(new TMessage.Txattrcreate(10, name, posixAcl().length, 0)), name);
            assertTrue(HostXattrs.get(share.resolve("f"), name).isEmpty(), name + " reached the host");
        }
        s.clunk(10);
        assumeTrue(LinuxSyscalls.geteuid() == 0, "only root can put trusted.* on the host file");
        HostXattrs.set(share.resolve("f"), "trusted.keep", "host".getBytes(StandardCharsets.UTF_8));
        s.walk(0, 10, "f");
        // An empty Txattrcreate is how the Linux client removes an attribute.
        assertEquals(Errno.EOPNOTSUPP, s.fails(new TMessage.Txattrcreate(10, "trusted.keep", 0, XATTR_REPLACE)));
        s.clunk(10);
        assertEquals(
                "host",
                new String(HostXattrs.get(share.resolve("f"), "trusted.keep").orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void otherNamespacesThanUserReadAsAbsent() throws Exception {
        assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(0, 13, "security.capability")));
        assumeTrue(LinuxSyscalls.geteuid() == 0, "only root can put security.* and trusted.* on the host file");
        Path f = share.resolve("f");
        HostXattrs.set(f, "security.p9test", "label".getBytes(StandardCharsets.UTF_8));
        HostXattrs.set(f, "trusted.p9test", "secret".getBytes(StandardCharsets.UTF_8));
        HostXattrs.set(f, "system.posix_acl_access", posixAcl());
        setxattr("user.visible", "yes", 0);
        for (String name : List.of("security.p9test", "trusted.p9test", "system.posix_acl_access")) {
            assertTrue(HostXattrs.get(f, name).isPresent(), name + " missing on the host: the test proves nothing");
            s.walk(0, 10, "f");
            assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(10, 13, name)), name);
            s.clunk(10);
        }
        assertEquals("yes", getxattr("user.visible"));
        assertEquals("user.visible\0", getxattr(""));
    }

    /** An access ACL granting host uid 4242 read: the raw host id a guest must neither write nor read. */
    private static byte[] posixAcl() {
        ByteBuffer acl =
                ByteBuffer.allocate(4 + 5 * 8).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
        int[][] entries = {{0x01, 6, -1}, {0x02, 4, 4242}, {0x04, 4, -1}, {0x10, 4, -1}, {0x20, 4, -1}};
        for (int[] e : entries) {
            acl.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        }
        return acl.array();
    }

    @Test
    void incompleteValueIsRefusedAtClunk() throws Exception {
        s.walk(0, 10, "f");
        s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(10, "user.x", 10, 0));
        s.write(10, 0, "abc".getBytes(StandardCharsets.UTF_8));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tclunk(10)));
        s.walk(0, 10, "f");
        assertEquals(Errno.E2BIG, s.fails(new TMessage.Txattrcreate(10, "user.x", 1 << 20, 0)));
    }

    @Test
    void fifoIsCreatedButNeverOpenedOnTheHost() throws Exception {
        s.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "fifo", 0010644, 0, 0, 0));
        s.walk(0, 1, "fifo");
        // Opening a fifo for reading on the host would block until a writer appears; the gateway refuses instead.
        CompletableFuture<Errno> open = CompletableFuture.supplyAsync(() -> s.fails(new TMessage.Tlopen(1, 0)));
        assertEquals(Errno.ENXIO, open.get(10, TimeUnit.SECONDS));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 1)));
        assertEquals(
                0,
                s.expect(RMessage.Rxattrwalk.class, new TMessage.Txattrwalk(1, 2, ""))
                        .size());
        s.clunk(2);
        // getattr works on the node without opening it
        assertEquals(0010000, s.getattr(1).attr().mode() & 0170000);
        assertEquals(
                Errno.ENXIO,
                s.fails(new TMessage.Tlcreate(0, "fifo", 0, 0644, 0)),
                "lcreate without O_EXCL on an existing fifo must not open it");
    }

    @Test
    void deviceNodesAreNeverCreatedOnTheHost() throws Exception {
        // R-CONF-2: without a share that maps them (docs/policy.md, devices:), a device node is refused.
        assertEquals(Errno.EPERM, s.fails(new TMessage.Tmknod(0, "null", 0020666, 1, 3, 0)));
        assertEquals(Errno.EPERM, s.fails(new TMessage.Tmknod(0, "sda", 0060660, 8, 0, 0)));
        assertFalse(Files.exists(share.resolve("null"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tmknod(0, "d", 0040755, 0, 0, 0)));
    }

    /**
     * In a share that maps devices, fifos and sockets are mapped too: a host reader can never block on a fifo a
     * guest planted, and the guest keeps the set-id bits it sets (pjdfstest chown/00.t) without the host file
     * carrying them.
     */
    @Test
    void fifosAndSocketsInAMappedShareAreMappedAndKeepTheirSetIdBits() throws Exception {
        try (var mapped = mappingShare();
                TestSession m = TestSession.attached(mapped)) {
            int fid = 1;
            for (int type : List.of(0010000, 0140000)) {
                String name = type == 0010000 ? "fifo" : "sock";
                m.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, name, type | 0644, 0, 0, 0));
                Path host = share.resolve(name);
                assertTrue(Files.isRegularFile(host, LinkOption.NOFOLLOW_LINKS), name + " is a plain file on the host");
                m.walk(0, fid, name);
                assertEquals(type | 0644, m.getattr(fid).attr().mode());
                m.expect(
                        RMessage.Rsetattr.class,
                        new TMessage.Tsetattr(fid, new SetAttr(SetAttr.SETATTR_MODE, 06555, 0, 0, 0, 0, 0, 0, 0)));
                assertEquals(type | 06555, m.getattr(fid).attr().mode(), name + " keeps its set-id bits for the guest");
                assertEquals(0600, hostMode(host), name + ": the host file keeps 0600, no set-id bit");
                assertEquals(Errno.ENXIO, m.fails(new TMessage.Tlopen(fid, 0)));
                fid++;
            }
        }
    }

    /**
     * A mapped fifo made with set-id bits (the Linux client sends mkfifo's mode as asked) keeps them for the guest as
     * a chmod's are kept, as a local file system keeps them: they were dropped, so the guest saw 0644 for 04644.
     */
    @Test
    void aMappedFifoMadeWithSetIdBitsKeepsThemForTheGuest() throws Exception {
        try (var mapped = mappingShare();
                TestSession m = TestSession.attached(mapped)) {
            m.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "fifo", 0010000 | 06644, 0, 0, 0));
            m.walk(0, 1, "fifo");
            assertEquals(0010000 | 06644, m.getattr(1).attr().mode(), "the guest's fifo keeps its set-id bits");
            assertEquals(0600, hostMode(share.resolve("fifo")), "the host file keeps 0600, no set-id bit");
        }
    }

    /** The share served with {@code devices: mapped}. */
    private ShareServerFactory mappingShare() {
        return new ShareServerFactory(
                Map.of("share", share),
                new AllowAll(),
                new NoAudit(),
                name -> new ShareSafety.Settings(true, false, "devices", true, "unmapped-id", "unmapped-owner"));
    }

    private static int hostMode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void aMappedSpecialFileIsNeverOpened() throws Exception {
        try (var mapped = mappingShare();
                TestSession m = TestSession.attached(mapped)) {
            m.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "null", 0020666, 1, 3, 0));
            m.walk(0, 1, "null");
            assertEquals(0020666, m.getattr(1).attr().mode());
            assertEquals(Errno.ENXIO, m.fails(new TMessage.Tlopen(1, 2)));
        }
    }
}
