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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review's bypasses through the FileServer with a real policy (R-POL-3, R-POL-4): renaming a
 * directory above a hidden or read-only subtree, and linking onto a name a deny rule refuses to create.
 */
class RenameAcrossProtectionTest {
    private static final String VAULT_HIDDEN = "vm.alpha.share.data.hidden[1]";

    @TempDir
    Path tmp;

    PolicyFixture fx;
    ShareServerFactory shares;

    @BeforeEach
    void setUp() throws Exception {
        fx = new PolicyFixture(tmp);
        Files.createDirectories(fx.data.resolve("vault/secret"));
        Files.writeString(fx.data.resolve("vault/secret/key"), "s3cret");
        Files.createDirectories(fx.data.resolve("prepared/inner"));
        Files.writeString(fx.data.resolve("prepared/inner/planted"), "x");
        // Nested protected subtrees, so that their parents are ordinary directories a guest can rename.
        Files.writeString(
                fx.policyFile,
                fx.policy("")
                        .replace("read-only: [/base]", "read-only: [/base, /ro/inner]")
                        .replace("hidden: [/secret]", "hidden: [/secret, /vault/secret]"));
        shares = fx.shares(fx.holder());
    }

    @AfterEach
    void tearDown() {
        shares.close();
    }

    @Test
    void renamingTheDirectoryAboveAHiddenSubtreeIsRefusedAndItStaysHidden() throws Exception {
        try (TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            assertEquals(
                    Errno.EACCES, s.fails(new TMessage.Trenameat(TestSession.ROOT, "vault", TestSession.ROOT, "v2")));
            s.walk(TestSession.ROOT, 1, "vault");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Trename(1, TestSession.ROOT, "v2")));
            // Neither name leads to the secret afterwards.
            assertEquals(
                    Errno.ENOENT, s.fails(new TMessage.Twalk(TestSession.ROOT, 2, List.of("v2", "secret", "key"))));
            // Through the hidden name the walk stops as at a missing one: the qid of vault alone, no fid.
            assertEquals(
                    1,
                    s.expect(
                                    RMessage.Rwalk.class,
                                    new TMessage.Twalk(TestSession.ROOT, 2, List.of("vault", "secret", "key")))
                            .qids()
                            .size());
            assertEquals(Errno.EBADF, s.fails(new TMessage.Tclunk(2)));
        }
        assertEquals("s3cret", Files.readString(fx.data.resolve("vault/secret/key")));
        assertFalse(Files.exists(fx.data.resolve("v2")));
        assertTrue(fx.audit.records.stream()
                .anyMatch(r -> r.decision().ruleIds().equals(List.of(VAULT_HIDDEN))
                        && r.outcome().errno() == Errno.EACCES));
    }

    @Test
    void renamingOntoTheParentOfAReadOnlySubtreeIsRefused() throws Exception {
        try (TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            assertEquals(
                    Errno.EACCES,
                    s.fails(new TMessage.Trenameat(TestSession.ROOT, "prepared", TestSession.ROOT, "ro")));
            s.call(new TMessage.Trenameat(TestSession.ROOT, "prepared", TestSession.ROOT, "elsewhere"));
        }
        assertFalse(Files.exists(fx.data.resolve("ro")));
        assertEquals("x", Files.readString(fx.data.resolve("elsewhere/inner/planted")));
    }

    @Test
    void linkAndSymlinkOntoADeniedNameAreRefused() throws Exception {
        try (TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            s.walk(TestSession.ROOT, 1, "notes.txt");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tlink(TestSession.ROOT, 1, "a.sh")));
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tsymlink(TestSession.ROOT, "b.sh", "notes.txt", 0)));
            s.call(new TMessage.Tsymlink(TestSession.ROOT, "b.txt", "notes.txt", 0));
        }
        assertFalse(Files.exists(fx.data.resolve("a.sh")));
        assertFalse(Files.exists(fx.data.resolve("b.sh"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(fx.data.resolve("b.txt")));
    }
}
