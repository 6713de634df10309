package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
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

/** Real policies through the FileServer: each rule type gives its errno and leaves the host unchanged. */
class PolicyEnforcementTest {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;

    PolicyFixture fx;
    ShareServerFactory shares;

    @BeforeEach
    void setUp() throws Exception {
        fx = new PolicyFixture(tmp);
        shares = fx.shares(fx.holder());
    }

    @AfterEach
    void tearDown() {
        shares.close();
    }

    TestSession attach(String listener, String aname) throws P9Exception {
        TestSession s = TestSession.open(shares, listener);
        s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", aname, 0));
        return s;
    }

    static List<String> names(TestSession s, int dirFid) throws P9Exception {
        s.lopen(dirFid, O_RDONLY);
        List<DirEntry> entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(dirFid, 0, 8192))
                .entries();
        return entries.stream().map(DirEntry::name).sorted().toList();
    }

    @Test
    void readOnlySubtreeRefusesWritesWithErofsAndTheHostIsUnchanged() throws Exception {
        Object modeBefore = Files.getAttribute(fx.data.resolve("base/map.db"), "unix:mode");
        try (TestSession s = attach(fx.alphaListener(), "data")) {
            s.walk(TestSession.ROOT, 1, "base", "map.db");
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tlopen(1, O_WRONLY)));
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tlopen(1, O_RDONLY | O_TRUNC)));
            assertEquals(
                    Errno.EROFS,
                    s.fails(new TMessage.Tsetattr(
                            1,
                            new io.p9gate.gateway.proto.SetAttr(
                                    io.p9gate.gateway.proto.SetAttr.SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0))));
            assertEquals(Errno.EROFS, s.fails(new TMessage.Txattrcreate(1, "user.tag", 1, 0)));
            s.lopen(1, O_RDONLY);
            assertEquals("tiles", s.readString(1));

            s.walk(TestSession.ROOT, 2, "base");
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tlcreate(2, "new", O_WRONLY, 0644, 0)));
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tmkdir(2, "d", 0755, 0)));
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tunlinkat(2, "map.db", 0)));
            // Renames out of and into the read-only subtree (R-POL-3).
            assertEquals(Errno.EROFS, s.fails(new TMessage.Trenameat(2, "map.db", TestSession.ROOT, "stolen")));
            assertEquals(Errno.EROFS, s.fails(new TMessage.Trenameat(TestSession.ROOT, "notes.txt", 2, "n")));
        }
        assertEquals("tiles", Files.readString(fx.data.resolve("base/map.db")));
        assertEquals(modeBefore, Files.getAttribute(fx.data.resolve("base/map.db"), "unix:mode"));
        assertEquals(
                List.of("map.db"),
                Files.list(fx.data.resolve("base"))
                        .map(p -> p.getFileName().toString())
                        .toList());
        assertTrue(Files.exists(fx.data.resolve("notes.txt")));
        assertTrue(fx.audit.records.stream()
                .anyMatch(r -> r.decision().ruleIds().contains("vm.alpha.share.data.read-only[0]")
                        && r.outcome().errno() == Errno.EROFS));
    }

    @Test
    void hiddenSubtreeIsAbsentFromWalkAndReaddir() throws Exception {
        try (TestSession s = attach(fx.alphaListener(), "data")) {
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(TestSession.ROOT, 1, List.of("secret"))));
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(TestSession.ROOT, 1, List.of("secret", "key"))));
            // Creating the hidden name is refused as if its parent did not exist either.
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Tmkdir(TestSession.ROOT, "secret", 0755, 0)));
            s.walk(TestSession.ROOT, 2);
            assertEquals(List.of(".", "..", "base", "cache", "notes.txt"), names(s, 2));
        }
        assertEquals("s3cret", Files.readString(fx.data.resolve("secret/key")));
    }

    @Test
    void readdirSkipsAWholeBatchOfHiddenEntriesInsteadOfEndingTheListing() throws Exception {
        // A batch that holds only hidden entries must not look like the end of the directory.
        Path dir = Files.createDirectories(fx.data.resolve("many"));
        for (int i = 0; i < 50; i++) {
            Files.writeString(dir.resolve("f" + i), "");
        }
        try (TestSession s = attach(fx.alphaListener(), "data")) {
            s.walk(TestSession.ROOT, 1);
            s.lopen(1, O_RDONLY);
            int listed = 0;
            long offset = 0;
            while (true) {
                List<DirEntry> batch = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(1, offset, 40))
                        .entries();
                if (batch.isEmpty()) {
                    break;
                }
                assertFalse(batch.stream().anyMatch(e -> e.name().equals("secret")));
                listed += batch.size();
                offset = batch.getLast().offset();
            }
            assertEquals(6, listed, ". .. base cache many notes.txt");
        }
    }

    @Test
    void denyRuleRefusesWithEaccesAndNothingIsCreated() throws Exception {
        try (TestSession s = attach(fx.alphaListener(), "data")) {
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tlcreate(TestSession.ROOT, "run.sh", O_WRONLY, 0755, 0)));
            s.walk(TestSession.ROOT, 1, "cache");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tlcreate(1, "x.sh", O_WRONLY, 0755, 0)));
            s.walk(TestSession.ROOT, 2);
            s.lcreate(2, "ok.txt", O_WRONLY, 0644);
            assertEquals(3, s.write(2, 0, "abc".getBytes()));
        }
        assertFalse(Files.exists(fx.data.resolve("run.sh")));
        assertFalse(Files.exists(fx.data.resolve("cache/x.sh")));
        assertEquals("abc", Files.readString(fx.data.resolve("ok.txt")));
        assertTrue(fx.audit.records.stream()
                .anyMatch(r -> r.decision().ruleIds().contains("vm.alpha.share.data.rules.no-scripts")));
    }

    @Test
    void theListenerChoosesTheVmAndAttachNamesOnlyChooseAmongItsShares() throws Exception {
        // alpha cannot reach beta's share by naming it, nor an unknown one.
        TestSession alpha = TestSession.open(shares, fx.alphaListener());
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tattach(0, TMessage.NOFID, "beta", "other", 0)));
        assertEquals(Errno.ENOENT, alpha.fails(new TMessage.Tattach(0, TMessage.NOFID, "root", "nope", 0)));
        alpha.call(new TMessage.Tattach(0, TMessage.NOFID, "beta", "", 0)); // the only share: data
        alpha.walk(0, 1, "notes.txt");
        alpha.close();

        try (TestSession beta = attach(fx.betaListener(), "other")) {
            assertEquals(Errno.ENOENT, beta.fails(new TMessage.Tattach(5, TMessage.NOFID, "alpha", "data", 0)));
            beta.walk(TestSession.ROOT, 1, "readme");
            assertEquals(Errno.EROFS, beta.fails(new TMessage.Tlopen(1, O_WRONLY)));
            assertEquals(Errno.EROFS, beta.fails(new TMessage.Tlcreate(TestSession.ROOT, "x", O_WRONLY, 0644, 0)));
        }
        // A listener no VM owns gets no share at all (default deny).
        TestSession stranger = TestSession.open(shares, "unix:" + tmp.resolve("stranger.sock"));
        assertEquals(Errno.ENOENT, stranger.fails(new TMessage.Tattach(0, TMessage.NOFID, "root", "", 0)));
        stranger.close();
        assertFalse(Files.exists(fx.other.resolve("x")));
        assertTrue(
                fx.audit.records.stream()
                        .allMatch(r -> r.request().vm().equals("alpha")
                                || r.request().vm().equals("beta")
                                || r.request().vm().isEmpty() && !r.decision().allowed()),
                "each record names the listener's VM; the stranger's (no VM) are refusals");
    }
}
