package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-6 through raw clients: mkdir(2), symlink(2), mknod(2) and link(2) of a name that exists answer EEXIST, and
 * `mkdir -p`, lock-by-mkdir and package managers rely on it. The gateway reserved the new entry's inode before the
 * call, so in a scope at its inode limit a Tmkdir, Tsymlink, Tmknod, Tlink or 9P2000.u Tcreate (DMDIR, DMSYMLINK,
 * DMNAMEDPIPE, DMLINK) of an existing name answered EDQUOT. Now EEXIST, recorded as such, nothing made or changed; a
 * name that has no entry is still EDQUOT. (The Tlcreate of an existing file: QuotaFullCreateOfExistingFileTest.)
 */
class QuotaFullMakeOfExistingNameTest {
    private static final int S_IFIFO = 0010000;
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int DMLINK = 0x01000000;
    /** The names alpha's /cache (4 inodes) holds at its limit: a directory, a dangling symlink, a fifo, a file. */
    private static final Set<String> FULL = Set.of("d", "s", "p", "f");

    @TempDir
    Path tmp;

    @Test
    void a9p2000LMakeOfAnExistingNameAnswersEexistAtAFullInodeQuota() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            Path cache = fill(rig, alpha);
            alpha.walk(0, 1, "cache");
            alpha.walk(0, 2, "cache", "f");

            for (String name : List.of("d", "f", "s", "p")) { // mkdir -p racing, lock-by-mkdir: any type of entry
                assertAnswered(rig, Errno.EEXIST, "mkdir", name, () -> alpha.mkdir(1, name, 0755, 0));
            }
            assertAnswered(rig, Errno.EEXIST, "symlink", "s", () -> alpha.symlink(1, "s", "/elsewhere", 0));
            assertAnswered(rig, Errno.EEXIST, "symlink", "d", () -> alpha.symlink(1, "d", "/elsewhere", 0));
            assertAnswered(
                    rig,
                    Errno.EEXIST,
                    "mknod",
                    "p",
                    () -> alpha.rpc(new TMessage.Tmknod(1, "p", S_IFIFO | 0644, 0, 0, 0)));
            assertAnswered(rig, Errno.EEXIST, "link", "s", () -> alpha.link(1, 2, "s"));

            assertAnswered(rig, Errno.EDQUOT, "mkdir", "new-d", () -> alpha.mkdir(1, "new-d", 0755, 0));
            assertAnswered(rig, Errno.EDQUOT, "symlink", "new-s", () -> alpha.symlink(1, "new-s", "/elsewhere", 0));
            assertAnswered(
                    rig,
                    Errno.EDQUOT,
                    "mknod",
                    "new-p",
                    () -> alpha.rpc(new TMessage.Tmknod(1, "new-p", S_IFIFO | 0644, 0, 0, 0)));
            assertAnswered(rig, Errno.EDQUOT, "link", "new-l", () -> alpha.link(1, 2, "new-l"));

            assertUnchanged(rig, cache);
        }
    }

    @Test
    void a9p2000uCreateOfAnExistingNameAnswersEexistAtAFullInodeQuota() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha();
                P9Client dotU = P9Client.connect(UnixDomainSocketAddress.of(rig.policy.alphaSocket), 65536)) {
            Path cache = fill(rig, alpha);
            dotU.version(65536, "9P2000.u");
            dotU.attach(0, "root", "data", 0);
            dotU.walk(0, 2, "cache", "f");
            List<Make> makes = List.of(
                    new Make("mkdir", Stat.DMDIR | 0755, ""),
                    new Make("symlink", Stat.DMSYMLINK | 0777, "/elsewhere"),
                    new Make("mknod", Stat.DMNAMEDPIPE | 0644, ""),
                    new Make("link", DMLINK, "2"));
            int fid = 10;
            for (Make make : makes) {
                for (String name : List.of("d", "s", "new")) {
                    dotU.walk(0, fid, "cache");
                    int at = fid++;
                    TMessage create = new TMessage.Tcreate(at, name, make.perm, 0, Optional.of(make.extension));
                    assertAnswered(
                            rig,
                            FULL.contains(name) ? Errno.EEXIST : Errno.EDQUOT,
                            make.op,
                            name,
                            () -> dotU.rpc(create));
                }
            }

            assertUnchanged(rig, cache);
        }
    }

    /**
     * link(2) answers EEXIST for a new name that exists before it looks at where the file is (EXDEV): a Tlink between
     * quota scopes onto an existing name answered EXDEV, which a lock-by-link idiom takes for a failure to retry
     * by copying. A free name between scopes is still EXDEV.
     */
    @Test
    void aLinkBetweenScopesOntoAnExistingNameAnswersEexist() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            Files.writeString(rig.policy.data.resolve("taken"), "kept");
            alpha.walk(0, 1, "cache");
            alpha.lcreate(1, "f", O_RDWR | O_CREAT, 0644, 0);
            alpha.walk(0, 2, "cache", "f");
            assertAnsweredAt(rig, Errno.EEXIST, "link", "/taken", () -> alpha.link(0, 2, "taken"));
            assertAnsweredAt(rig, Errno.EXDEV, "link", "/free", () -> alpha.link(0, 2, "free"));
            assertEquals("kept", Files.readString(rig.policy.data.resolve("taken")));
            assertTrue(Files.notExists(rig.policy.data.resolve("free")));
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }

    private record Make(String op, int perm, String extension) {}

    @FunctionalInterface
    private interface Request {
        void send() throws Exception;
    }

    /** alpha's /cache at its inode limit, with one entry of each kind a make could meet; the host directory. */
    private static Path fill(AuditedPolicyGateway rig, P9Client alpha) throws Exception {
        alpha.walk(0, 3, "cache");
        alpha.mkdir(3, "d", 0755, 0);
        alpha.symlink(3, "s", "/nowhere", 0); // dangling: the name exists all the same
        alpha.rpc(new TMessage.Tmknod(3, "p", S_IFIFO | 0644, 0, 0, 0));
        assertInstanceOf(RMessage.Rlcreate.class, alpha.lcreate(3, "f", O_RDWR | O_CREAT, 0644, 0));
        alpha.walk(0, 4, "cache");
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> alpha.mkdir(4, "fifth", 0755, 0))
                        .errno(),
                "alpha's /cache takes 4 inodes");
        return rig.policy.data.resolve("cache");
    }

    /**
     * The request answers {@code expected}; its records of action {@code op} on cache/{@code name} (a link's: its new name) end with that errno, and
     * none says another (an intent says 0).
     */
    private static void assertAnswered(
            AuditedPolicyGateway rig, Errno expected, String op, String name, Request request) throws Exception {
        assertAnsweredAt(rig, expected, op, "/cache/" + name, request);
    }

    /** As {@link #assertAnswered}, for the entry at the share's {@code path}. */
    private static void assertAnsweredAt(
            AuditedPolicyGateway rig, Errno expected, String op, String path, Request request) throws Exception {
        long before = rig.logs.records().getLast().seq();
        assertEquals(
                expected,
                assertThrows(P9Exception.class, request::send, op + " " + path).errno(),
                op + " " + path);
        List<AuditRecord> all =
                rig.logs.records().stream().filter(r -> r.seq() > before).toList();
        List<AuditRecord> records = all.stream()
                .filter(r -> r.detail() != null && r.detail().startsWith("action=" + op + " "))
                .toList();
        assertFalse(records.isEmpty(), op + " " + path + " recorded: " + all);
        AuditRecord last = records.getLast();
        assertTrue(
                last.path().equals(path) || List.of(last.detail().split(" ")).contains("to=" + path), last.toString());
        assertEquals(expected.code(), last.errno(), op + " " + path + ": " + records);
        assertTrue(
                records.stream().noneMatch(r -> r.errno() != null && r.errno() != 0 && r.errno() != expected.code()),
                op + " " + path + ": no record says another errno: " + records);
    }

    /** Nothing made, nothing replaced, and the log verifies. */
    private static void assertUnchanged(AuditedPolicyGateway rig, Path cache) throws Exception {
        try (var listing = Files.list(cache)) {
            assertEquals(FULL, listing.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertTrue(Files.isDirectory(cache.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("/nowhere", Files.readSymbolicLink(cache.resolve("s")).toString());
        assertTrue(Files.isRegularFile(cache.resolve("f"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(1, Files.getAttribute(cache.resolve("f"), "unix:nlink"), "no second name for f");
        assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
    }
}
