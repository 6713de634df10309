package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-2, R-POL-3): a rename of an ancestor of a {@code **} glob's fixed prefix is refused, but below the
 * prefix a rename was decided on its two paths only, and rules cannot tell a directory from a file. Under a deny of
 * OPEN_WRITE on {@code /logs/**}{@code /*.sh} a guest moved {@code /logs/d} to {@code /d}, rewrote {@code /d/x.sh},
 * which no rule matched there, and moved it back; under a deny of every kind on {@code /logs/**}{@code /*.key} it
 * moved the directory out and read {@code /d/secret.key}. With a longer suffix ({@code /logs/**}{@code /keys/*.key})
 * renaming {@code keys} in place, within the prefix, frees its keys as well. The gateway knows a rename's source is a
 * directory, and such a rename is refused (EACCES, naming the rule) unless every path below it the glob matches is
 * still matched at the destination, nor moved into the reach of a rule denying CREATE (it would plant names the rule
 * forbids creating). A file's rename, and a directory's that keeps its matches, still work.
 */
class GlobDirectoryMoveAttackTest {
    private static final String RULES = """
            rules:
              - {id: no-script-writes, effect: deny, ops: [OPEN_WRITE], paths: ["/logs/**/*.sh"]}
              - {id: keys, effect: deny, ops: [all], paths: ["/logs/**/*.key"]}
              - {id: key-rings, effect: deny, ops: [OPEN_READ], paths: ["/rings/**/keys/*"]}
            """;
    private static final String SCRIPTS = "vm.guest.share.data.rules.no-script-writes";

    @TempDir
    Path tmp;

    @Test
    void aDirectoryCannotBeMovedOutOfAGlobToRewriteItsScripts() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            plant(share, "logs/d/x.sh", "echo safe\n");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "logs");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "d", 0, "d")), "Trenameat out of /logs");
                guest.walk(1, 2, "d");
                assertEquals(
                        Errno.EACCES,
                        refused(() -> guest.rpc(new TMessage.Trename(2, 0, "d"))),
                        "Trename of the directory's fid");
                // The rest of the attack finds nothing to rewrite and nothing to move back.
                assertEquals(Errno.ENOENT, refused(() -> guest.walk(0, 3, "d", "x.sh")));
                assertEquals(Errno.ENOENT, refused(() -> guest.renameat(0, "d", 1, "d")));
            }
            assertEquals("echo safe\n", Files.readString(share.resolve("logs/d/x.sh")));
            List<AuditEntry> refusals = gw.records.stream()
                    .filter(r -> r.decision().ruleIds().contains(SCRIPTS)
                            && r.request().paths().equals(List.of("logs/d", "d")))
                    .toList();
            assertEquals(2, refusals.size(), "both refusals name the rule: " + refusals);
        }
    }

    @Test
    void aHiddenKeyIsNotCarriedOutInItsDirectory() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            plant(share, "logs/vm1/secret.key", "k3y");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "logs");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "vm1", 0, "vm1")));
                assertEquals(Errno.ENOENT, refused(() -> guest.walk(0, 2, "vm1", "secret.key")));
            }
            assertEquals("k3y", Files.readString(share.resolve("logs/vm1/secret.key")));
        }
    }

    @Test
    void renamingADirectoryInPlaceMayNotFreeWhatALongerSuffixMatches() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            plant(share, "rings/alice/keys/id", "private");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "rings", "alice", "keys");
                TMessage.Twstat rename = Wstats.unix(1, Wstats.common(-1, "old-keys", -1, -1, -1L, ""), -1, -1);
                assertEquals(Errno.EACCES, refused(() -> guest.rpc(rename)), "Twstat: keys -> old-keys");
            }
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "rings", "alice");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "keys", 1, "old-keys")), "Trenameat");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "keys", 0, "keys")), "out of /rings");
            }
            assertEquals("private", Files.readString(share.resolve("rings/alice/keys/id")));
        }
    }

    @Test
    void renamesThatKeepTheRulesMatchesStillWork() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            plant(share, "logs/d/x.sh", "echo safe\n");
            Files.writeString(share.resolve("logs/d/notes.txt"), "n");
            Files.createDirectories(share.resolve("rings/bob/old-keys"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "logs");
                guest.walk(1, 2, "d");
                guest.renameat(2, "notes.txt", 0, "notes.txt"); // a file: the rule on its two paths
                guest.renameat(1, "d", 1, "e"); // still below /logs
                guest.walk(0, 4, "rings", "bob");
                guest.renameat(4, "old-keys", 4, "keys"); // into the reach of a rule that denies no CREATE
            }
            assertTrue(Files.exists(share.resolve("notes.txt")));
            assertEquals("echo safe\n", Files.readString(share.resolve("logs/e/x.sh")));
            assertTrue(Files.isDirectory(share.resolve("rings/bob/keys")));
            assertTrue(gw.records.stream()
                    .anyMatch(r -> r.request().paths().equals(List.of("logs/d", "logs/e"))
                            && r.request().detail().equals("dir")
                            && r.decision().allowed()));
        }
    }

    /**
     * The other way round: under a deny of CREATE on {@code /logs/**}{@code /*.key} a guest that cannot create
     * {@code /logs/a/stolen.key} made {@code /tmp/d/stolen.key} and moved {@code /tmp/d} into {@code /logs}. A
     * directory moved into the reach of a rule denying CREATE is refused, as the file's {@code mv} onto that name is.
     */
    @Test
    void aDirectoryCannotPlantNamesARuleForbidsCreating() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("logs"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "logs");
                assertEquals(Errno.EACCES, refused(() -> guest.lcreate(1, "stolen.key", 0, 0644, 0)), "by a create");
                guest.mkdir(0, "tmp", 0755, 0);
                guest.walk(0, 3, "tmp");
                guest.mkdir(3, "d", 0755, 0);
                guest.walk(3, 4, "d");
                guest.lcreate(4, "stolen.key", 0x241, 0644, 0); // O_WRONLY|O_CREAT|O_TRUNC
                guest.walk(0, 5, "tmp");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(5, "d", 1, "d")), "Trenameat into /logs");
                guest.walk(5, 6, "d");
                assertEquals(Errno.EACCES, refused(() -> guest.rpc(new TMessage.Trename(6, 1, "d"))), "Trename");
            }
            assertTrue(Files.exists(share.resolve("tmp/d/stolen.key")));
            assertTrue(Files.notExists(share.resolve("logs/d")));
        }
    }

    /** A host file at {@code path} in the share, with its directories. */
    private static void plant(Path share, String path, String content) throws Exception {
        Path file = share.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
