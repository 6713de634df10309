package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team, session 17 (R-POL-3): a read-only subtree cannot be changed by any path, in 9P2000.L or 9P2000.u. A sweep
 * of the side doors {@code PolicyEnforcementTest} leaves out: renaming the subtree's own root away (so that its
 * files would lie under a path no rule names), symlinks, device nodes and hard links in or out of it, times and
 * xattr removal, a non-exclusive Tlcreate of an existing file, O_TRUNC with the access modes that do not write, an
 * append, Tremove, and the .u forms (Twstat length, Tcreate DMLINK/DMSYMLINK, Topen OTRUNC, ORCLOSE). Each is EROFS,
 * recorded with the read-only rule, and the host keeps every byte, mode and name. Every one held when written.
 */
class ReadOnlyEveryPathTest {
    private static final String RULE = "vm.alpha.share.data.read-only[0]";
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int P9_NOACCESS = 3;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final int AT_REMOVEDIR = 0x200;
    private static final int DMLINK = 0x01000000;
    private static final int OREAD = 0;
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;

    @TempDir
    Path tmp;

    @Test
    void noRequestOfEitherDialectChangesTheReadOnlySubtree() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path db = fx.data.resolve("base/map.db");
        Object mode = Files.getAttribute(db, "unix:mode");
        Object mtime = Files.getLastModifiedTime(db);
        List<String> rootBefore = names(fx.data);
        int refusals;
        try (ShareServerFactory shares = fx.shares(fx.holder());
                TestSession l = TestSession.attached(shares, fx.alphaListener(), Dialect.L, "data");
                TestSession u = TestSession.attached(shares, fx.alphaListener(), Dialect.U, "data")) {
            l.walk(0, 1, "base");
            l.walk(0, 2, "base", "map.db");
            List<TMessage.FileRequest> dotL = List.of(
                    new TMessage.Trenameat(0, "base", 0, "base2"),
                    new TMessage.Trename(1, 0, "base3"),
                    new TMessage.Tunlinkat(0, "base", AT_REMOVEDIR),
                    new TMessage.Tsymlink(1, "ln", "/etc", 0),
                    new TMessage.Tmknod(1, "fifo", 0010644, 0, 0, 0),
                    new TMessage.Tlink(0, 2, "hl"),
                    new TMessage.Tsetattr(
                            2, new SetAttr(SetAttr.SETATTR_ATIME | SetAttr.SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 0, 0)),
                    new TMessage.Txattrcreate(1, "user.tag", 0, 0),
                    new TMessage.Tlcreate(1, "map.db", O_RDONLY, 0644, 0),
                    new TMessage.Tremove(2));
            for (TMessage.FileRequest request : dotL) {
                assertEquals(Errno.EROFS, l.fails(request), request.toString());
            }
            int fid = 10;
            for (int flags : new int[] {O_RDONLY | O_TRUNC, P9_NOACCESS | O_TRUNC, O_RDONLY | O_APPEND}) {
                l.walk(0, fid, "base", "map.db");
                assertEquals(Errno.EROFS, l.fails(new TMessage.Tlopen(fid, flags)), "Tlopen flags 0" + flags);
                l.walk(0, fid + 1, "base");
                assertEquals(
                        Errno.EROFS,
                        l.fails(new TMessage.Tlcreate(fid + 1, "map.db", O_RDWR | O_TRUNC, 0644, 0)),
                        "Tlcreate of the existing file");
                fid += 2;
            }

            u.walk(0, 1, "base", "map.db");
            u.walk(0, 2, "base");
            u.walk(0, 3, "base", "map.db");
            List<TMessage.FileRequest> dotU = List.of(
                    Wstats.unix(1, Wstats.common(-1, "", -1, -1, 0L, ""), -1, -1),
                    new TMessage.Tcreate(0, "hl2", DMLINK | 0644, OREAD, Optional.of("1\n")),
                    new TMessage.Tcreate(2, "sl", Stat.DMSYMLINK | 0777, OREAD, Optional.of("/etc")),
                    new TMessage.Topen(1, OTRUNC));
            for (TMessage.FileRequest request : dotU) {
                assertEquals(Errno.EROFS, u.fails(request), request.toString());
            }
            // open(5): ORCLOSE needs the removal's permission, refused at the open (before: at the clunk, after the
            // guest had read through the fid).
            assertEquals(Errno.EROFS, u.fails(new TMessage.Topen(3, OREAD | ORCLOSE)), "an ORCLOSE open");
            u.expect(RMessage.Ropen.class, new TMessage.Topen(3, OREAD));
            u.clunk(3);
            refusals = dotL.size() + 3 * 2 + dotU.size() + 1;
        }
        assertEquals("tiles", Files.readString(db));
        assertEquals(mode, Files.getAttribute(db, "unix:mode"));
        assertEquals(mtime, Files.getLastModifiedTime(db));
        assertEquals(List.of("map.db"), names(fx.data.resolve("base")));
        assertEquals(rootBefore, names(fx.data));
        long recorded = fx.audit.records.stream()
                .filter(r -> r.decision().ruleIds().equals(List.of(RULE))
                        && r.outcome().errno() == Errno.EROFS)
                .count();
        assertEquals(refusals, recorded, "each refusal recorded once, with the read-only rule");
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
