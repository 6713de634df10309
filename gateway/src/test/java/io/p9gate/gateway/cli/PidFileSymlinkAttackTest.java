package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import io.p9gate.gateway.testing.Root;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway, as root, writes its pid file and the reload outcome file beside it. With {@code --pid-file} in a
 * directory others can write (/tmp), a local user planted a symlink at the pid file or at {@code FILE.reload.tmp}
 * (a fixed name) and root wrote through it over any file it pointed at. Both are now written as a new file, never
 * through a link, and renamed onto their names: a link there is replaced, its target left alone.
 */
class PidFileSymlinkAttackTest {
    private static final String VICTIM = "root:x:0:0:root:/root:/bin/sh\n";

    @TempDir
    Path dir;

    private Path victim() throws Exception {
        return Files.writeString(dir.resolve("victim"), VICTIM);
    }

    @Test
    void aLinkAtThePidFileIsReplacedNotWrittenThrough() throws Exception {
        Path victim = victim();
        Path pidFile = Files.createSymbolicLink(dir.resolve("p9gate.pid"), victim);

        PolicyServe.writePidFile(pidFile);

        assertEquals(VICTIM, Files.readString(victim));
        assertFalse(Files.isSymbolicLink(pidFile));
        assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(pidFile));
    }

    @Test
    void aLinkAtTheOutcomeFilesOldTemporaryNameIsNotWrittenThrough() throws Exception {
        Path victim = victim();
        Path outcomeFile = ReloadOutcomeFile.beside(dir.resolve("p9gate.pid"));
        Path planted = Files.createSymbolicLink(outcomeFile.resolveSibling(outcomeFile.getFileName() + ".tmp"), victim);
        ReloadOutcomeFile.Outcome outcome = new ReloadOutcomeFile.Outcome(42, 1, true, "sha256:0", "", List.of());

        ReloadOutcomeFile.write(outcomeFile, outcome);

        assertEquals(VICTIM, Files.readString(victim));
        assertEquals(outcome, ReloadOutcomeFile.read(outcomeFile).orElseThrow());
        assertFalse(Files.isSymbolicLink(outcomeFile));
        assertEquals(victim, Files.readSymbolicLink(planted), "someone else's link is not ours to remove");
        try (var names = Files.list(dir)) {
            assertEquals(3, names.count(), "no temporary file left: victim, planted link, outcome file");
        }
    }

    @Test
    void aLinkAtTheOutcomeFileIsReplacedNotWrittenThrough() throws Exception {
        Path victim = victim();
        Path outcomeFile = Files.createSymbolicLink(ReloadOutcomeFile.beside(dir.resolve("p9gate.pid")), victim);

        ReloadOutcomeFile.write(outcomeFile, new ReloadOutcomeFile.Outcome(42, 1, true, "sha256:0", "", List.of()));

        assertEquals(VICTIM, Files.readString(victim));
        assertFalse(Files.isSymbolicLink(outcomeFile));
    }

    /**
     * In a directory others can write without the sticky bit, no way of writing keeps the files: anyone may rename
     * another pid, or a false outcome, onto their names. serve refuses it at start, before it serves anything.
     */
    @Test
    void aPidFileDirectoryOthersMayReplaceFilesInIsRefusedAtStart() throws Exception {
        assertRefusedAtStart(directory("open", "rwxrwxrwx"), "is writable by others without the sticky bit");
    }

    /**
     * A directory another user owns is theirs to rename files in whatever its mode (a sticky bit included): the
     * same false pid or outcome as in a chmod 777 one. It passed, as its mode grants others nothing.
     */
    @Test
    void aPidFileDirectoryAnotherUserOwnsIsRefusedAtStart() throws Exception {
        Root.assumeRoot("giving the directory to another user");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 4321);

        assertRefusedAtStart(theirs, "belongs to uid 4321");
    }

    @Test
    void aPidFileDirectoryBelowOneAnotherUserOwnsIsRefusedAtStart() throws Exception {
        Root.assumeRoot("giving the directory to another user");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Path run = Files.createDirectory(theirs.resolve("run")); // root's, 0755: but uid 4321 can rename it away
        Files.setAttribute(theirs, "unix:uid", 4321);

        assertRefusedAtStart(run, "is below " + theirs + ", which belongs to uid 4321");
    }

    @Test
    void aPidFileDirectoryReachedThroughAnotherUsersSymlinkIsRefusedAtStart() throws Exception {
        assertRefusedAtStart(theirLinkToARunDirectory("link"), "belongs to uid 4321");
    }

    /**
     * A symlink of root's that leads through another user's symlink (root's /var/lib/p9gate/run -> bob's
     * /tmp/p9run -> /run/p9gate): bob may point his elsewhere, and neither the path as written nor as resolved passes
     * through it.
     */
    @Test
    void aPidFileDirectoryReachedThroughAnotherUsersSymlinkInAChainIsRefusedAtStart() throws Exception {
        Path theirs = theirLinkToARunDirectory("theirs");
        Path ours = Files.createSymbolicLink(dir.resolve("ours"), theirs.getFileName()); // root's, relative

        assertRefusedAtStart(ours, "is below " + theirs + ", which belongs to uid 4321");
    }

    /**
     * Root's link whose target goes through another user's symlink and back up ({@code ours -> theirs/../run}): the
     * kernel follows theirs and takes ".." of where it points, so its owner may point it elsewhere and choose the
     * directory; read as written without following, the ".." took theirs away and it was never looked at.
     */
    @Test
    void aPidFileDirectoryReachedThroughAnotherUsersSymlinkAndDotDotIsRefusedAtStart() throws Exception {
        Root.assumeRoot("giving the symlink to another user");
        Path real = Files.createDirectory(dir.resolve("real"));
        Files.createDirectory(real.resolve("run"));
        Path theirs = Files.createSymbolicLink(dir.resolve("theirs"), Files.createDirectory(real.resolve("sub")));
        Files.setAttribute(theirs, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        Path ours = Files.createSymbolicLink(dir.resolve("ours"), Path.of("theirs/../run")); // root's, relative

        assertRefusedAtStart(ours, "is below " + theirs + ", which belongs to uid 4321");
    }

    /**
     * A symlink of root's whose target goes through another user's symlink and back up ({@code ours ->
     * theirs/../pids}, {@code theirs -> run/sub}): the kernel follows {@code theirs} before the "..", so the pid file
     * is in run/pids and uid 4321 may point its link elsewhere. Read as the text {@code ours/../pids} the target was
     * {@code pids} beside the links, and no link of another user's was on the way.
     */
    @Test
    void aPidFileDirectoryReachedThroughAnotherUsersSymlinkBeforeADotDotIsRefusedAtStart() throws Exception {
        Root.assumeRoot("giving the symlink to another user");
        Path run = Files.createDirectory(dir.resolve("run"));
        Files.createDirectories(run.resolve("sub"));
        Files.createDirectory(run.resolve("pids"));
        Path theirs = Files.createSymbolicLink(dir.resolve("theirs"), Path.of("run/sub"));
        Files.setAttribute(theirs, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        Path ours = Files.createSymbolicLink(dir.resolve("ours"), Path.of("theirs/../pids"));

        assertRefusedAtStart(ours, "is below " + theirs + ", which belongs to uid 4321");
    }

    @Test
    void aPidFileDirectoryAGroupMayWriteWithoutTheStickyBitIsRefusedAtStart() throws Exception {
        Root.assumeRoot("giving the directory to another group");
        Path shared = directory("shared", "rwxrwxr-x");
        Files.setAttribute(shared, "unix:gid", 4321);

        assertRefusedAtStart(shared, "is writable by group 4321 without the sticky bit");
    }

    /** A symlink {@code name} to a directory of root's (0755), owned by uid 4321, who can point it at its own. */
    private Path theirLinkToARunDirectory(String name) throws Exception {
        Root.assumeRoot("giving the symlink to another user");
        Path run = Files.createDirectory(dir.resolve("run"));
        Path link = Files.createSymbolicLink(dir.resolve(name), run);
        Files.setAttribute(link, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        return link;
    }

    private Path directory(String name, String permissions) throws Exception {
        Path made = Files.createDirectory(dir.resolve(name));
        Files.setPosixFilePermissions(made, PosixFilePermissions.fromString(permissions));
        return made;
    }

    /** serve with its pid file in {@code pidDirectory} is refused at start, one line saying {@code why}. */
    private void assertRefusedAtStart(Path pidDirectory, String why) throws Exception {
        Path share = Files.createDirectory(dir.resolve("share"));
        Path policy =
                Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  vm:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-only}
                """.formatted(dir.resolve("nowhere/vm.sock"), share));
        Path pidFile = pidDirectory.resolve("p9gate.pid");

        CliRun run = CliRun.of("serve", "--policy", policy.toString(), "--pid-file", pidFile.toString());

        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(
                1, run.err().strip().lines().filter(l -> l.startsWith("p9gate")).count(), run.err());
        assertTrue(
                run.err().contains("--pid-file " + pidFile + ": its directory " + pidDirectory + " " + why), run.err());
        assertFalse(Files.exists(pidFile));
    }

    /**
     * Links of root's that loop (a -> b -> a, or one that grows: d/l -> ../d/l), dangle, or chain 40 long to a
     * directory of root's, and /var/run (a link to /run): none is refused, and the walk ends (a loop is the write's
     * ELOOP to report, not this check's).
     */
    @Test
    void loopingDanglingAndLongChainsOfRootsLinksAreNotRefused() throws Exception {
        Files.createSymbolicLink(dir.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(dir.resolve("b"), Path.of("a"));
        Path d = Files.createDirectory(dir.resolve("d"));
        Files.createSymbolicLink(d.resolve("l"), Path.of("../d/l"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("../missing/run"));
        Path next = Files.createDirectory(dir.resolve("run"));
        for (int i = 0; i < 40; i++) {
            next = Files.createSymbolicLink(dir.resolve("chain" + i), next.getFileName());
        }

        for (Path pidDirectory :
                List.of(dir.resolve("a"), d.resolve("l"), dir.resolve("dangling"), next, Path.of("/var/run"))) {
            assertDoesNotThrow(
                    () -> PidFileDirectory.refuseUnsafe(pidDirectory.resolve("p9gate.pid")), pidDirectory.toString());
        }
    }

    @Test
    void aStickyDirectoryOthersMayWriteIsAccepted() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        assertEquals(
                0,
                new ProcessBuilder("chmod", "1777", sticky.toString()).start().waitFor());
        PidFileDirectory.refuseUnsafe(sticky.resolve("p9gate.pid"));
        PidFileDirectory.refuseUnsafe(Path.of("p9gate.pid"));
    }
}
