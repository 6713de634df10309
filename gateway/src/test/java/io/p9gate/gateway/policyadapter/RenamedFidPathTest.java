package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fid carries the share path it was walked to, so that a request need not ask the kernel (issue 11). A path
 * carried past a rename would be a bypass: VM alpha holds a fid inside {@code public/x}; VM beta, which serves the
 * same host directory with no protected subtrees, moves {@code public/x} (or {@code public}) under alpha's hidden
 * {@code /vault} or read-only {@code /ro}. Alpha's next request through the old fid must be decided on where the
 * directory is now, and refused as there.
 */
class RenamedFidPathTest {
    private static final int HELD = 1;
    private static final int FILE = 2;
    private static final int NEW = 3;
    private static final int CLONE = 4;
    private static final int RDONLY = 0;
    private static final int RDWR = 2;
    private static final int O_DIRECTORY = 0200000;

    @TempDir
    Path tmp;

    PolicyFixture fx;
    Path data;
    ShareServerFactory shares;
    TestSession alpha;
    TestSession beta;

    /** One VM's entry: share "data" on the fixture's directory, its guest ids 0.. at host ids {@code hostIds}.. */
    private String vm(String name, Path socket, int hostIds, String protections) {
        return """
                  %s:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                %s""".formatted(name, socket, hostIds, hostIds, data, protections);
    }

    @BeforeEach
    void setUp() throws Exception {
        fx = new PolicyFixture(tmp);
        data = fx.data;
        for (String dir : List.of("public/x/sub", "vault", "ro")) {
            Files.createDirectories(data.resolve(dir));
        }
        Files.writeString(data.resolve("public/x/file"), "inside x");
        try (var paths = Files.walk(data)) {
            for (Path p : paths.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
            }
        }
        Files.writeString(
                fx.policyFile,
                "image: test\nvms:\n"
                        + vm("alpha", fx.alphaSocket, 100000, "        read-only: [/ro]\n        hidden: [/vault]\n")
                        + vm("beta", fx.betaSocket, 200000, ""));
        shares = fx.shares(fx.holder());
        alpha = TestSession.open(shares, fx.alphaListener());
        beta = TestSession.open(shares, fx.betaListener());
        alpha.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
        beta.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
        alpha.walk(TestSession.ROOT, HELD, "public", "x");
        // The fid's path is known and used before the rename: the request after it must not reuse it.
        alpha.expect(RMessage.Rgetattr.class, new TMessage.Tgetattr(HELD, 0x7ff));
    }

    @AfterEach
    void tearDown() {
        alpha.close();
        beta.close();
        shares.close();
    }

    @Test
    void aDirectoryMovedUnderAHiddenSubtreeIsHiddenThroughTheOldFid() throws Exception {
        alpha.walk(HELD, CLONE, new String[0]);
        beta.walk(TestSession.ROOT, HELD, "public");
        beta.walk(TestSession.ROOT, NEW, "vault");
        beta.call(new TMessage.Trenameat(HELD, "x", NEW, "x"));
        assertTrue(Files.isDirectory(data.resolve("vault/x/sub")));

        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tlopen(HELD, O_DIRECTORY)), "readdir's open");
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tgetattr(HELD, 0x7ff)));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Twalk(HELD, FILE, List.of("file"))));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Twalk(HELD, NEW, List.of())));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tlcreate(CLONE, "planted", RDWR, 0644, 0)));
        assertFalse(Files.exists(data.resolve("vault/x/planted")));
        assertTrue(
                fx.audit.requests().stream().anyMatch(r -> r.paths().contains("vault/x")),
                "decided on the new path: " + fx.audit.requests());
    }

    @Test
    void anAncestorMovedUnderAReadOnlySubtreeMakesTheOldFidReadOnly() throws Exception {
        alpha.walk(HELD, FILE, "file");
        beta.walk(TestSession.ROOT, NEW, "ro");
        beta.call(new TMessage.Trenameat(TestSession.ROOT, "public", NEW, "public"));
        assertTrue(Files.isDirectory(data.resolve("ro/public/x/sub")));

        assertEquals(Errno.EROFS, alpha.fails(new TMessage.Tlopen(FILE, RDWR)));
        alpha.walk(HELD, NEW, new String[0]);
        assertEquals(Errno.EROFS, alpha.fails(new TMessage.Tlcreate(NEW, "planted", RDWR, 0644, 0)));
        assertEquals(Errno.EROFS, alpha.fails(new TMessage.Tmkdir(HELD, "made", 0755, 0)));
        assertEquals(Errno.EROFS, alpha.fails(new TMessage.Tunlinkat(HELD, "file", 0)));
        // Reading is what a read-only subtree still allows, and it is decided there.
        alpha.expect(RMessage.Rlopen.class, new TMessage.Tlopen(HELD, O_DIRECTORY));
        assertFalse(Files.exists(data.resolve("ro/public/x/planted")));
        assertTrue(Files.exists(data.resolve("ro/public/x/file")));
        assertTrue(
                fx.audit.requests().stream().anyMatch(r -> r.paths().contains("ro/public/x/file")),
                "decided on the new path: " + fx.audit.requests());
    }

    /**
     * The host's own renames bump no counter; the kernel check that ends every walk notices the moved directory,
     * fails that walk, and makes every handle ask the kernel again (docs/architecture.md).
     */
    @Test
    void aMoveByTheHostIsNoticedByTheNextWalk() throws Exception {
        Files.move(data.resolve("public/x"), data.resolve("vault/x"));

        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Twalk(HELD, FILE, List.of("file"))));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tgetattr(HELD, 0x7ff)));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tlopen(HELD, O_DIRECTORY)));
    }
}
