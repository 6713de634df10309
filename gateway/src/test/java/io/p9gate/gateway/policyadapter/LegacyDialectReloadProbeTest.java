package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Probe (R-POL-7 in 9P2000 and 9P2000.u): fids a guest walked and opened while it could (a file and a directory
 * opened by Topen, one opened with ORCLOSE, a directory to create in, a file to wstat) are held to a stricter policy
 * reloaded meanwhile ({@code /rw} read-only, {@code /docs} hidden), through every message only these dialects have:
 * each is refused as a fresh walk would be, and the host is unchanged.
 */
class LegacyDialectReloadProbeTest {
    private static final int OREAD = 0;
    private static final int ORDWR = 2;
    private static final int ORCLOSE = 0x40;
    /** 9P2000.u: a hard link, the extension naming the linked file's fid. */
    private static final int DMLINK = 0x01000000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = Dialect.class,
            names = {"U", "LEGACY"})
    void fidsTakenBeforeAStricterReloadAreHeldToItInTheLegacyMessages(Dialect dialect) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path rw = Files.createDirectories(fx.data.resolve("rw"));
        Path docs = Files.createDirectories(fx.data.resolve("docs"));
        Files.writeString(rw.resolve("f"), "before");
        Files.writeString(rw.resolve("tmp"), "temporary");
        Files.writeString(docs.resolve("x"), "private");
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder);
                TestSession s = TestSession.attached(shares, fx.alphaListener(), dialect, "data")) {
            s.walk(TestSession.ROOT, 1, "rw", "f");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, ORDWR));
            s.walk(TestSession.ROOT, 2, "rw");
            s.walk(TestSession.ROOT, 3, "rw", "f");
            s.walk(TestSession.ROOT, 4, "rw", "tmp");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(4, OREAD | ORCLOSE));
            s.walk(TestSession.ROOT, 5, "docs");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(5, OREAD));
            s.walk(TestSession.ROOT, 6, "docs", "x");
            s.walk(TestSession.ROOT, 7, "docs", "x");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(7, OREAD));
            s.walk(TestSession.ROOT, 8, "docs");
            s.walk(TestSession.ROOT, 9);

            Files.writeString(
                    fx.policyFile,
                    fx.policy("")
                            .replace("read-only: [/base]", "read-only: [/base, /rw]")
                            .replace("hidden: [/secret]", "hidden: [/secret, /docs]"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, holder.reload());

            assertEquals(Errno.EROFS, s.fails(new TMessage.Twrite(1, 0, bytes("after"))), "Twrite after Topen");
            assertEquals(Errno.EROFS, s.fails(Wstats.chmod(3, 0600)), "Twstat mode");
            assertEquals(Errno.EROFS, s.fails(Wstats.rename(3, "g")), "Twstat name");
            assertEquals(
                    Errno.EROFS,
                    s.fails(new TMessage.Tcreate(2, "new", 0644, ORDWR, Optional.empty())),
                    "Tcreate of a file");
            assertEquals(
                    Errno.EROFS,
                    s.fails(new TMessage.Tcreate(2, "d", Stat.DMDIR | 0755, OREAD, Optional.empty())),
                    "Tcreate of a directory");
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tremove(3)), "Tremove");
            assertEquals(Errno.EROFS, s.fails(new TMessage.Tclunk(4)), "the clunk of an ORCLOSE fid removes nothing");

            assertEquals(Errno.ENOENT, s.fails(new TMessage.Tread(5, 0, 8192)), "directory read after Topen");
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Tstat(6)), "Tstat of a fid walked before");
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Topen(6, OREAD)), "Topen of a fid walked before");
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Tread(7, 0, 100)), "Tread of a file opened before");
            assertEquals(Errno.ENOENT, s.fails(Wstats.chmod(6, 0600)), "Twstat of a hidden file");
            assertEquals(
                    Errno.ENOENT,
                    s.fails(new TMessage.Tcreate(8, "z", 0644, ORDWR, extension(dialect, ""))),
                    "Tcreate in a directory walked before");
            if (dialect == Dialect.U) {
                assertEquals(
                        Errno.ENOENT,
                        s.fails(new TMessage.Tcreate(9, "leak", DMLINK | 0644, OREAD, extension(dialect, "6\n"))),
                        "Tcreate of a hard link (DMLINK) to the hidden file, in the visible root");
            }
        }
        assertEquals("before", Files.readString(rw.resolve("f")));
        assertEquals("temporary", Files.readString(rw.resolve("tmp")));
        assertTrue(Files.notExists(rw.resolve("new")) && Files.notExists(rw.resolve("d")));
        assertEquals("private", Files.readString(docs.resolve("x")));
        assertEquals(List.of("x"), names(docs));
        assertTrue(Files.notExists(fx.data.resolve("leak")), "no link to the hidden file in the root");
    }

    private static Optional<String> extension(Dialect dialect, String text) {
        return dialect == Dialect.U ? Optional.of(text) : Optional.empty();
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        try (var listed = Files.list(dir)) {
            return listed.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static io.netty.buffer.ByteBuf bytes(String s) {
        return io.netty.buffer.Unpooled.copiedBuffer(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
