package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7 with R-POL-3, R-POL-4): a guest prepares fids while it may (a file opened for writing, a
 * directory opened for listing, a value read by Txattrwalk, a Txattrcreate not yet committed, directory fids to
 * create, unlink and rename in), then the integrator reloads a stricter policy: {@code /rw} read-only and
 * {@code /docs} hidden. docs/policy.md promises that the next request of every session is decided by the new
 * engine, so nothing a fid was granted before carries over: each request through those fids is refused as a
 * fresh walk would be (EROFS, ENOENT), recorded as a denial by the new policy's digest, and the host is unchanged.
 */
@Timeout(60)
class ReloadHeldFidAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int F_RDLCK = 0;

    @TempDir
    Path tmp;

    @Test
    void fidsTakenBeforeAStricterReloadAreHeldToTheNewRules() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path rw = Files.createDirectories(fx.data.resolve("rw"));
        Path docs = Files.createDirectories(fx.data.resolve("docs"));
        Files.writeString(rw.resolve("f"), "before");
        Files.writeString(rw.resolve("g"), "keep");
        Files.writeString(docs.resolve("x"), "private");
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        PolicyHolder holder = fx.holder();
        AuditTrail trail = entry -> {
            records.add(entry);
            return records.size();
        };
        try (ShareServerFactory shares = PolicyServed.shares(holder, trail);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client g = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536)) {
            g.attach(0, "root", "data", 0);
            g.walk(0, 1, "rw", "f");
            g.lopen(1, O_RDWR);
            g.write(1, 0, bytes("during"));
            g.walk(0, 2, "rw", "f");
            g.rpc(new TMessage.Txattrcreate(2, "user.late", 4, 0));
            g.walk(0, 3, "rw");
            g.walk(0, 4, "rw", "g");
            g.walk(0, 5, "docs");
            g.lopen(5, O_RDONLY);
            g.walk(0, 6, "docs", "x");
            g.lopen(6, O_RDONLY);
            g.walk(0, 7, "docs", "x");
            g.walk(0, 8, "docs", "x");
            g.walk(0, 10, "docs");
            g.walk(0, 11, "rw", "f");
            g.walk(0, 12);
            g.lopen(12, O_RDONLY);
            assertTrue(names(g.readdir(12, 0, 8192)).contains("docs"), "listed before");

            Files.writeString(
                    fx.policyFile,
                    fx.policy("")
                            .replace("read-only: [/base]", "read-only: [/base, /rw]")
                            .replace("hidden: [/secret]", "hidden: [/secret, /docs]"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, holder.reload());
            String digest = holder.current().digest();
            int before = records.size();

            // /rw is read-only now: nothing through the fids taken while it was writable changes it.
            assertEquals(Errno.EROFS, refused(() -> g.write(1, 0, bytes("after!"))), "Twrite, open for writing");
            assertEquals(Errno.EROFS, refused(() -> g.fsync(1, false)), "Tfsync of a fid open for writing");
            assertEquals(Errno.EROFS, refused(() -> g.setattr(1, mode(0600))), "Tsetattr, mode");
            assertEquals(Errno.EROFS, refused(() -> g.setattr(1, size(0))), "Tsetattr, truncate");
            assertEquals(Errno.EROFS, refused(() -> g.write(2, 0, bytes("late"))), "Twrite of a pending xattr");
            assertEquals(Errno.EROFS, refused(() -> g.clunk(2)), "the clunk that commits a pending xattr");
            assertEquals(
                    Errno.EROFS,
                    refused(() -> g.rpc(new TMessage.Txattrcreate(11, "user.new", 1, 0))),
                    "Txattrcreate on a fid walked before");
            assertEquals(
                    Errno.EROFS, refused(() -> g.rpc(new TMessage.Tlcreate(3, "new", O_RDWR, 0644, 0))), "Tlcreate");
            assertEquals(Errno.EROFS, refused(() -> g.mkdir(3, "d", 0755, 0)), "Tmkdir");
            assertEquals(Errno.EROFS, refused(() -> g.unlinkat(3, "g", 0)), "Tunlinkat");
            assertEquals(Errno.EROFS, refused(() -> g.renameat(3, "g", 0, "g")), "Trenameat out of it");
            assertEquals(Errno.EROFS, refused(() -> g.rpc(new TMessage.Trename(4, 0, "g2"))), "Trename");
            assertEquals(Errno.EROFS, refused(() -> g.symlink(3, "s", "f", 0)), "Tsymlink");
            assertEquals("before".length(), g.read(1, 0, 100).length, "reading stays allowed");

            // /docs is hidden now: as absent through old fids as to a new walk.
            assertEquals(Errno.ENOENT, refused(() -> g.read(6, 0, 100)), "Tread of a file opened before");
            assertEquals(Errno.ENOENT, refused(() -> g.readdir(5, 0, 8192)), "Treaddir of a dir opened before");
            assertEquals(Errno.ENOENT, refused(() -> g.getattr(7, 0x7ff)), "Tgetattr of a fid walked before");
            assertEquals(Errno.ENOENT, refused(() -> g.walk(10, 13, "x")), "Twalk on from it");
            assertEquals(Errno.ENOENT, refused(() -> g.setattr(7, mode(0600))), "Tsetattr");
            assertEquals(
                    Errno.ENOENT,
                    refused(() -> g.rpc(new TMessage.Txattrwalk(8, 14, ""))),
                    "Txattrwalk of a fid walked before");
            assertEquals(
                    Errno.ENOENT, refused(() -> g.rpc(new TMessage.Tlock(6, F_RDLCK, 0, 0, 0, 1, "guest"))), "Tlock");
            assertEquals(
                    Errno.ENOENT,
                    refused(() -> g.rpc(new TMessage.Tgetlock(6, F_RDLCK, 0, 0, 1, "guest"))),
                    "Tgetlock");
            assertEquals(
                    Errno.ENOENT,
                    refused(() -> g.rpc(new TMessage.Tlink(0, 8, "leak"))),
                    "Tlink of a file hidden now into a visible directory");
            assertEquals(Errno.ENOENT, refused(() -> g.rpc(new TMessage.Treadlink(7))), "Treadlink");
            assertEquals(Errno.ENOENT, refused(() -> g.rpc(new TMessage.Tstatfs(7))), "Tstatfs");
            assertFalse(names(g.readdir(12, 0, 8192)).contains("docs"), "the root's listing no longer shows it");

            List<AuditEntry> after = records.subList(before, records.size());
            List<AuditEntry> denials =
                    after.stream().filter(r -> !r.decision().allowed()).toList();
            assertEquals(refusals, denials.size(), "each refused request recorded once, as a denial: " + denials);
            for (AuditEntry d : denials) {
                assertEquals(digest, d.decision().policyDigest(), "decided by the reloaded policy: " + d);
            }
            assertTrue(
                    after.stream()
                            .noneMatch(r -> r.decision().allowed()
                                    && r.request().operation() != Operation.READ
                                    && r.request().operation() != Operation.READDIR
                                    && r.request().operation() != Operation.WALK
                                    && r.request().operation() != Operation.CLUNK),
                    "nothing else was allowed: " + after);
        }
        assertEquals("during", Files.readString(rw.resolve("f")), "unchanged since the reload");
        assertEquals("keep", Files.readString(rw.resolve("g")));
        assertEquals(
                List.of("f", "g"),
                Files.list(rw).map(p -> p.getFileName().toString()).sorted().toList());
        assertArrayEquals(new byte[0], userXattrs(rw.resolve("f")), "no pending xattr committed");
    }

    private static byte[] userXattrs(Path file) throws Exception {
        var view = Files.getFileAttributeView(file, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        return String.join(
                        "",
                        view.list().stream()
                                .filter(n -> n.equals("late") || n.equals("new"))
                                .toList())
                .getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> names(List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SetAttr mode(int mode) {
        return new SetAttr(SetAttr.SETATTR_MODE, mode, 0, 0, 0, 0, 0, 0, 0);
    }

    private static SetAttr size(long size) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0);
    }

    private int refusals;

    private Errno refused(Executable request) {
        refusals++;
        return assertThrows(P9Exception.class, request).errno();
    }
}
