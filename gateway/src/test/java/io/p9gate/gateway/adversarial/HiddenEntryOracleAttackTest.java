package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.DevShm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team against R-POL-4 ("a hidden path is indistinguishable from a missing one"): a guest that sends raw 9P
 * must not tell a hidden name from a name that does not exist, nor learn whether a hidden name exists on the host.
 * Four oracles: a multi-name Twalk refused as a whole (Rlerror) where a missing name stops the walk (Rwalk with
 * the qids before it); an rmdir that fails or succeeds with the hidden content of the directory; a directory's
 * link count, which counts its hidden subdirectories; and a tmpfs directory's size, which counts every entry.
 */
class HiddenEntryOracleAttackTest {
    private static final String OPTIONS = "hidden: [/pub/vault, /pub/secret, /pub/ghost, /topvault,"
            + " /empty/ghost, /full/vault, /gone/ghost, /held/ghost]";
    private static final String MISSING = "nothere";
    private static final int AT_REMOVEDIR = 0x200;

    @TempDir
    Path tmp;

    /** A hidden directory, a hidden file and a hidden name with nothing behind it, beside visible entries. */
    private static void tree(Path share) throws Exception {
        Files.createDirectories(share.resolve("pub/d"));
        Files.writeString(share.resolve("pub/d/x"), "x");
        Files.writeString(share.resolve("pub/f"), "f");
        Files.createDirectories(share.resolve("pub/vault/sub"));
        Files.writeString(share.resolve("pub/vault/x"), "secret");
        Files.writeString(share.resolve("pub/secret"), "secret");
        Files.createDirectories(share.resolve("topvault/sub"));
        Files.writeString(share.resolve("topvault/x"), "secret");
    }

    /** Walk shapes from the root, {@code H} standing for the probed name under /pub. */
    private static final List<List<String>> UNDER_PUB = List.of(
            List.of("pub", "H"),
            List.of("pub", "H", "x"),
            List.of("pub", "H", "sub"),
            List.of("pub", "H", "sub", "y"),
            List.of("pub", "H", "x", "y", "z"),
            List.of("pub", ".", "H"),
            List.of("pub", "d", "..", "H"),
            List.of("pub", "d", "..", "H", "x"),
            List.of("pub", "H", ".."),
            List.of("pub", "H", "..", "d"));

    /** Walk shapes from a fid of /pub, and from the root with {@code H} a top-level name. */
    private static final List<List<String>> FIRST = List.of(
            List.of("H"), List.of("H", "x"), List.of("H", "sub", "x"), List.of("H", ".."), List.of("H", "..", "pub"));

    @Test
    void aWalkThroughAHiddenNameAnswersAsOneThroughAMissingName() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            tree(gw.share("data"));
            List<String> differing = new ArrayList<>();
            int probes = 0;
            for (String dialect : List.of("9P2000.L", "9P2000.u")) {
                try (P9Client guest = P9Client.open(java.net.UnixDomainSocketAddress.of(gw.socket), 65536)) {
                    guest.version(65536, dialect);
                    guest.attach(0, "root", "data", 0);
                    guest.walk(0, 1, "pub");
                    for (String hidden : List.of("vault", "secret", "ghost")) {
                        for (List<String> shape : UNDER_PUB) {
                            probes++;
                            compare(guest, 0, shape, hidden, differing, dialect);
                        }
                        for (List<String> shape : FIRST) {
                            probes++;
                            compare(guest, 1, shape, hidden, differing, dialect);
                        }
                    }
                    for (List<String> shape : FIRST) {
                        probes++;
                        compare(guest, 0, shape, "topvault", differing, dialect);
                    }
                }
            }
            assertEquals(
                    0,
                    differing.size(),
                    differing.size() + " of " + probes + " probes tell hidden from missing, e.g. "
                            + differing.subList(0, Math.min(4, differing.size())));
        }
    }

    @Test
    void aWalkStoppedAtAHiddenNameIsRecordedAsTheHiddenRulesRefusal() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            tree(gw.share("data"));
            try (P9Client guest = gw.attached("data", 0)) {
                int before = gw.records.size();
                RMessage reply = reply(guest, new TMessage.Twalk(0, 2, List.of("pub", "vault", "x")));
                assertEquals(
                        1, assertInstanceOf(RMessage.Rwalk.class, reply).qids().size(), "the qid of /pub alone");
                List<AuditEntry> recorded = gw.records.subList(before, gw.records.size());
                assertEquals(1, recorded.size(), "one record: " + recorded);
                AuditEntry walk = recorded.getFirst();
                assertTrue(!walk.decision().allowed() && walk.decision().errno() == Errno.ENOENT, walk.toString());
                assertTrue(walk.decision().ruleIds().stream().anyMatch(r -> r.contains("hidden")), walk.toString());
                assertEquals(
                        List.of("pub", "pub/vault", "pub/vault/x"),
                        walk.request().paths());
                // The fid was not made: the walk stopped.
                assertEquals(
                        Errno.EBADF,
                        assertThrows(P9Exception.class, () -> guest.getattr(2, Attr.GETATTR_ALL))
                                .errno());
            }
        }
    }

    /**
     * A directory whose only entries are hidden looks empty; an rmdir that failed (ENOTEMPTY) only where a hidden
     * entry exists said that it does. A directory that directly holds a hidden name is now never removed,
     * whatever the host holds under that name, and the refusal is recorded by the rule {@code hidden-entries}.
     */
    @Test
    void rmdirOfADirectoryHoldingAHiddenNameDoesNotSayWhetherTheHiddenEntryExists() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("empty")); // /empty/ghost is hidden, and nothing is there
            Files.createDirectories(share.resolve("full/vault")); // /full/vault is hidden, and there
            Files.createDirectories(share.resolve("held")); // /held/ghost is hidden: Tremove of a fid
            Files.createDirectories(share.resolve("plain")); // no hidden name under it
            try (P9Client guest = gw.attached("data", 0)) {
                Errno full = rmdir(guest, "full");
                assertEquals(Errno.ENOTEMPTY, full);
                int before = gw.records.size();
                assertEquals(full, rmdir(guest, "empty"), "a hidden name that is not there answers the same");
                List<AuditEntry> recorded = gw.records.subList(before, gw.records.size());
                assertTrue(
                        recorded.stream()
                                .anyMatch(r -> !r.decision().allowed()
                                        && r.decision().ruleIds().equals(List.of("hidden-entries"))
                                        && r.request().paths().equals(List.of("empty"))),
                        "recorded as refused by hidden-entries: " + recorded);
                guest.walk(0, 3, "held");
                assertEquals(
                        full,
                        assertThrows(P9Exception.class, () -> guest.remove(3)).errno(),
                        "Tremove of a fid");
                assertEquals(Errno.ENOENT, rmdir(guest, "gone"), "a directory that is not there is still missing");
                assertEquals(null, rmdir(guest, "plain"), "an empty directory with no hidden name under it");
            }
            assertTrue(Files.isDirectory(share.resolve("empty")));
            assertTrue(Files.isDirectory(share.resolve("held")));
            assertTrue(Files.notExists(share.resolve("plain")));
        }
    }

    /** Each subdirectory adds one to its parent's link count: a hidden one must not. */
    @Test
    void aDirectorysLinkCountDoesNotCountItsHiddenSubdirectories() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            Path share = gw.share("data");
            tree(share);
            // What the guest sees of /pub (d, f), without the hidden names: the twin's count is the one to show.
            Files.createDirectories(share.resolve("twin/d"));
            Files.writeString(share.resolve("twin/f"), "f");
            // ghost's parent: a hidden name with nothing behind it takes nothing off.
            Files.createDirectories(share.resolve("empty/a"));
            Files.createDirectories(share.resolve("twin2/a"));
            long hostPub = (Integer) Files.getAttribute(share.resolve("pub"), "unix:nlink");
            long hostTwin = (Integer) Files.getAttribute(share.resolve("twin"), "unix:nlink");
            assumeTrue(hostPub == hostTwin + 1, "the host filesystem counts subdirectories in nlink");
            try (P9Client guest = gw.attached("data", 0)) {
                assertEquals(nlink(guest, "twin"), nlink(guest, "pub"), "/pub as it looks: d and f");
                assertEquals(nlink(guest, "twin2"), nlink(guest, "empty"));
                // The root holds /topvault (a hidden directory) and the others.
                long shownRoot = guest.getattr(0, Attr.GETATTR_ALL).nlink();
                long hostRoot = (Integer) Files.getAttribute(share, "unix:nlink");
                assertEquals(hostRoot - 1, shownRoot, "the root without /topvault");
            }
        }
    }

    /**
     * tmpfs gives a directory 20 bytes of size for each entry (BOGO_DIRENT_SIZE), so its size counted the hidden ones:
     * /pub showed 40 more than a twin holding what the guest lists of it (d and f), which told that vault and secret
     * exist and ghost does not, as the link count did before. On tmpfs as Treaddir's cookies are.
     */
    @Test
    void aTmpfsDirectorysSizeDoesNotCountItsHiddenEntries() throws Exception {
        Path share = DevShm.directory("p9gate-hidden-size");
        try (HostShareGateway gw = servingTree(share)) {
            Files.createDirectories(share.resolve("twin/d"));
            Files.writeString(share.resolve("twin/f"), "f");
            Files.createDirectories(share.resolve("empty/a"));
            Files.createDirectories(share.resolve("twin2/a"));
            assumeTrue(
                    Files.size(share.resolve("pub")) > Files.size(share.resolve("twin")),
                    "the host filesystem counts entries in a directory's size");
            try (P9Client guest = gw.attached("data", 0)) {
                assertEquals(size(guest, "twin"), size(guest, "pub"), "/pub as it looks: d and f");
                assertEquals(size(guest, "twin2"), size(guest, "empty"), "a hidden name with nothing behind it");
                Files.delete(share.resolve("pub/secret"));
                assertEquals(size(guest, "twin"), size(guest, "pub"), "the host removed a hidden file: nothing shows");
                long shownRoot = guest.getattr(0, Attr.GETATTR_ALL).size();
                assertEquals(Files.size(share) - 20, shownRoot, "the root without /topvault");
            }
        } finally {
            DevShm.delete(share);
        }
    }

    /**
     * A qid's version was made of the host's mtime and size, and Rwalk carries it: with the mtime Tgetattr shows, a
     * guest recomputed the host's size of a tmpfs directory from it, hidden entries counted. The host removes a hidden
     * file and puts the directory's mtime back: its qids and size as the guest is shown them must not change (its
     * ctime does, as for any change in it: docs/policy.md).
     */
    @Test
    void aTmpfsDirectorysQidVersionDoesNotCountItsHiddenEntries() throws Exception {
        Path share = DevShm.directory("p9gate-hidden-qid");
        try (HostShareGateway gw = servingTree(share)) {
            Path pub = share.resolve("pub");
            try (P9Client guest = gw.attached("data", 0)) {
                Qid walked = guest.walk(0, 6, "pub").getLast();
                Attr before = guest.getattr(6, Attr.GETATTR_ALL);
                FileTime mtime = Files.getLastModifiedTime(pub);
                Files.delete(pub.resolve("secret"));
                Files.setLastModifiedTime(pub, mtime);
                assertEquals(walked, guest.walk(0, 7, "pub").getLast(), "Rwalk's qid");
                Attr after = guest.getattr(7, Attr.GETATTR_ALL);
                assertEquals(before.qid(), after.qid(), "Rgetattr's qid");
                assertEquals(before.size(), after.size(), "Rgetattr's size");
            }
        } finally {
            DevShm.delete(share);
        }
    }

    /** {@link #tree} in {@code share} (a tmpfs directory), served as "data" with the hidden names. */
    private HostShareGateway servingTree(Path share) throws Exception {
        HostShareGateway gw =
                HostShareGateway.serving(tmp, List.of(new HostShareGateway.Share("data", share, OPTIONS)));
        try {
            tree(share);
        } catch (Exception e) {
            gw.close();
            throw e;
        }
        return gw;
    }

    private static long size(P9Client guest, String dir) throws Exception {
        return attributes(guest, dir).size();
    }

    private static long nlink(P9Client guest, String dir) throws Exception {
        return attributes(guest, dir).nlink();
    }

    private static Attr attributes(P9Client guest, String dir) throws Exception {
        guest.walk(0, 5, dir);
        try {
            return guest.getattr(5, Attr.GETATTR_ALL);
        } finally {
            guest.clunk(5);
        }
    }

    /** The errno of an rmdir of {@code name} in the root, or null if it succeeded. */
    private static Errno rmdir(P9Client guest, String name) throws Exception {
        try {
            guest.unlinkat(0, name, AT_REMOVEDIR);
            return null;
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    /** Walks {@code shape} with {@code H} as {@code hidden}, then as a missing name: the replies must be equal. */
    private static void compare(
            P9Client guest, int from, List<String> shape, String hidden, List<String> differing, String dialect)
            throws Exception {
        RMessage throughHidden = probe(guest, from, substitute(shape, hidden));
        RMessage throughMissing = probe(guest, from, substitute(shape, MISSING));
        if (!throughHidden.equals(throughMissing)) {
            differing.add(dialect + " from fid " + from + " " + substitute(shape, hidden) + ": " + throughHidden
                    + " vs " + throughMissing);
        }
    }

    private static List<String> substitute(List<String> shape, String name) {
        return shape.stream().map(s -> s.equals("H") ? name : s).toList();
    }

    /** The reply to a walk to a new fid, as sent (an error reply too); a fid it made is clunked. */
    private static RMessage probe(P9Client guest, int from, List<String> names) throws Exception {
        RMessage reply = reply(guest, new TMessage.Twalk(from, 9, names));
        if (reply instanceof RMessage.Rwalk walked && walked.qids().size() == names.size()) {
            guest.clunk(9);
        }
        return reply;
    }

    private static RMessage reply(P9Client guest, TMessage request) throws Exception {
        return guest.send(request).reply().get(10, TimeUnit.SECONDS);
    }
}
