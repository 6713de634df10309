package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.testing.ScratchMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate package} renamed the new tarball onto its name, then copied the manifest and its signature beside it:
 * a copy that failed (a full disk, a name it could not replace: another user's file in a sticky --out) left the new
 * tarball next to the old manifest, or none, and an old signature next to a new manifest. All three are now written
 * in full and on disk before any is renamed, so such a failure leaves the earlier package as it was.
 */
class PackageOutputsTogetherTest {
    private static final String NAME = "p9gate-t-1-linux-x";
    private static final Path FLOCK = Path.of("/usr/bin/flock");

    @TempDir
    Path dir;

    @Test
    void aManifestThatCannotBeWrittenLeavesTheOldTarballInPlace() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path file = Files.writeString(dir.resolve("file"), "new\n");
        List<TreeEntry> entries = List.of(new TreeEntry.RegularFile("file", 0644, file));
        byte[] old = "the earlier package".getBytes();
        Path tarball = Files.write(out.resolve(NAME + ".tar.gz"), old);
        Path blocked = Files.createDirectories(out.resolve(NAME + ".manifest").resolve("in-the-way"));

        assertThrows(
                IOException.class,
                () -> Packager.publish(
                        out, NAME, entries, "manifest\n", "sig\n", 1_700_000_000L, Packager.Steps.NONE, w -> {}));

        assertArrayEquals(old, Files.readAllBytes(tarball), "the earlier tarball stays, not one without its manifest");
        assertTrue(Files.isDirectory(blocked));
        assertFalse(Files.exists(out.resolve(NAME + ".manifest.sig")), "no signature of a manifest not written");
        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest"), names(out), "no temporary file left");
    }

    @Test
    void allThreeArePublishedOwnedByTheirNames() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve(NAME + ".manifest.sig"), "old signature\n");

        Path tarball = publishUnsigned(out);

        assertEquals(out.resolve(NAME + ".tar.gz"), tarball);
        assertTrue(Files.size(tarball) > 0);
        assertEquals("manifest\n", Files.readString(out.resolve(NAME + ".manifest")));
        assertEquals(
                Set.of(NAME + ".tar.gz", NAME + ".manifest"),
                names(out),
                "an unsigned package leaves no earlier signature beside a manifest it does not sign");
    }

    @Test
    void anEarlierSignatureThatCannotBeRemovedLeavesTheEarlierPackageWhole() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path tarball = Files.writeString(out.resolve(NAME + ".tar.gz"), "the earlier package");
        Path manifest = Files.writeString(out.resolve(NAME + ".manifest"), "the earlier manifest\n");
        Files.createDirectories(out.resolve(NAME + ".manifest.sig").resolve("in-the-way"));

        assertThrows(IOException.class, () -> publishUnsigned(out));

        assertEquals("the earlier package", Files.readString(tarball));
        assertEquals("the earlier manifest\n", Files.readString(manifest));
        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"), names(out));
    }

    @Test
    void aStopWhileWritingLeavesNoPartialFileAndTheOldPackage() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path tarball = Files.writeString(out.resolve(NAME + ".tar.gz"), "the earlier package");
        Set<String> duringStop;
        try (PackageOutputs outputs = new PackageOutputs(out)) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".tar.gz", stream -> {
                stream.write(new byte[4096]);
                outputs.stopped(); // what the shutdown hook runs on Ctrl-C or SIGTERM
            });
            duringStop = names(out);
        }
        assertEquals(Set.of(NAME + ".tar.gz"), duringStop, "neither partial file is left");
        assertEquals("the earlier package", Files.readString(tarball));
    }

    /**
     * A Ctrl-C or SIGTERM between two renames: the hook removed the files not renamed yet, so the tarball's rename
     * failed, and its rollback removed the new manifest too: the old tarball was left without any manifest. The hook
     * now waits for the commit: the new package, whole.
     */
    @Test
    void aStopBetweenTheRenamesLeavesOnePackageWhole() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve(NAME + ".tar.gz"), "the earlier package");
        Files.writeString(out.resolve(NAME + ".manifest"), "the earlier manifest\n");
        Files.writeString(out.resolve(NAME + ".manifest.sig"), "the earlier signature\n");
        Path file = Files.writeString(dir.resolve("file"), "new\n");
        Thread[] hook = {null};
        PackageOutputs[] self = {null};
        try (PackageOutputs outputs = new PackageOutputs(out, name -> {
            if (hook[0] == null) { // after the first rename, as the shutdown hook runs: its own thread
                hook[0] = Thread.ofPlatform().start(self[0]::stopped);
                try {
                    hook[0].join(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        })) {
            self[0] = outputs;
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".manifest.sig", "signature\n");
            outputs.add(NAME + ".tar.gz", stream -> stream.write(Files.readAllBytes(file)));
            try {
                outputs.commit();
            } catch (IOException e) {
                // before: the tarball's file was gone; what is left is asserted below
            }
        }
        hook[0].join();

        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"), names(out));
        assertEquals("manifest\n", Files.readString(out.resolve(NAME + ".manifest")));
        assertEquals("signature\n", Files.readString(out.resolve(NAME + ".manifest.sig")));
        assertEquals("new\n", Files.readString(out.resolve(NAME + ".tar.gz")));
    }

    /**
     * A rename of the commit that fails (here: its new file is gone, as another user of --out may remove it; EXDEV,
     * EACCES, ENOSPC alike): its rollback removed the names already replaced, so --out held neither the deployed
     * package nor the new one whole. The earlier files are now moved aside first and put back: at each rename.
     */
    @Test
    void aRenameThatFailsLeavesTheEarlierPackageWhole() throws Exception {
        List<String> files = List.of(NAME + ".manifest", NAME + ".manifest.sig", NAME + ".tar.gz");
        for (int failing = 0; failing < files.size(); failing++) {
            Path out = Files.createDirectories(dir.resolve("out" + failing));
            writeEarlierPackage(out);
            String fails = files.get(failing);
            try (PackageOutputs outputs = new PackageOutputs(out, name -> {
                if (files.indexOf(name.getFileName().toString()) + 1 == files.indexOf(fails)) {
                    removePartial(out, fails);
                }
            })) {
                outputs.add(NAME + ".manifest", "manifest\n");
                outputs.add(NAME + ".manifest.sig", "signature\n");
                outputs.add(NAME + ".tar.gz", "new\n");
                if (failing == 0) {
                    removePartial(out, fails);
                }
                assertThrows(IOException.class, outputs::commit, fails);
            }

            assertEarlierPackage(out, "failing at " + fails);
        }
    }

    /**
     * The commit renamed all the earlier files aside before its first rename, so every run left each name free until
     * its own rename: a deploy script reading the tarball then found none, a SIGKILL there left no tarball, and in a
     * sticky --out another user could make a file at the free name (an inotify watch sees the move) that neither our
     * rename nor the putting back may replace (EPERM). The earlier files are now kept aside as second hard links.
     */
    @Test
    void everyNameHoldsTheEarlierOrTheNewFileAtEachRename() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        List<String> files = List.of(NAME + ".manifest", NAME + ".manifest.sig", NAME + ".tar.gz");
        List<String> free = new ArrayList<>();
        try (PackageOutputs outputs = new PackageOutputs(out, renamed -> {
            for (String name : files) {
                if (!Files.isRegularFile(out.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    free.add(name + " after " + renamed.getFileName());
                }
            }
        })) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".manifest.sig", "signature\n");
            outputs.add(NAME + ".tar.gz", "new\n");
            outputs.commit();
        }

        assertEquals(List.of(), free, "names left free during the commit");
        assertEquals(Set.copyOf(files), names(out), "no earlier file left aside");
        assertEquals("new\n", Files.readString(out.resolve(NAME + ".tar.gz")));
    }

    /**
     * Where --out allows no second link (vfat, fs.protected_hardlinks' EPERM for another user's file, EMLINK), the
     * earlier files are renamed aside as before: the run succeeds, and one whose rename fails puts them back.
     */
    @Test
    void withoutHardLinksTheEarlierFilesAreRenamedAsideAndPutBack() throws Exception {
        PackageOutputs.Linker refused = (link, existing) -> {
            throw new FileSystemException(link.toString(), existing.toString(), "Operation not permitted");
        };
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        try (PackageOutputs outputs = new PackageOutputs(out, name -> {}, refused)) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".tar.gz", "new\n");
            outputs.remove(NAME + ".manifest.sig");
            outputs.commit();
        }
        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest"), names(out), "the new package, nothing aside");
        assertEquals("new\n", Files.readString(out.resolve(NAME + ".tar.gz")));

        Path failing = Files.createDirectories(dir.resolve("failing"));
        writeEarlierPackage(failing);
        try (PackageOutputs outputs =
                new PackageOutputs(failing, name -> removePartial(failing, NAME + ".tar.gz"), refused)) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".manifest.sig", "signature\n");
            outputs.add(NAME + ".tar.gz", "new\n");
            assertThrows(IOException.class, outputs::commit);
        }
        assertEarlierPackage(failing, "a rename failing without hard links");
    }

    /** A name that is a hard link to a file elsewhere: replaced or put back, the file elsewhere is never written. */
    @Test
    void aNameLinkedToAFileElsewhereLeavesThatFileAsItWas() throws Exception {
        Path elsewhere = Files.writeString(dir.resolve("deployed.tar.gz"), "the deployed package");
        for (boolean fails : List.of(false, true)) {
            Path out = Files.createDirectories(dir.resolve("out-" + fails));
            Files.createLink(out.resolve(NAME + ".tar.gz"), elsewhere);
            try (PackageOutputs outputs =
                    new PackageOutputs(out, name -> removePartial(out, fails ? NAME + ".tar.gz" : "none"))) {
                outputs.add(NAME + ".manifest", "manifest\n");
                outputs.add(NAME + ".tar.gz", "new\n");
                if (fails) {
                    assertThrows(IOException.class, outputs::commit);
                } else {
                    outputs.commit();
                }
            }
            assertEquals("the deployed package", Files.readString(elsewhere), "failing: " + fails);
            assertEquals(
                    fails ? "the deployed package" : "new\n",
                    Files.readString(out.resolve(NAME + ".tar.gz")),
                    "failing: " + fails);
            assertEquals(
                    fails ? Set.of(NAME + ".tar.gz") : Set.of(NAME + ".tar.gz", NAME + ".manifest"),
                    names(out),
                    "failing: " + fails);
        }
    }

    /**
     * Two runs packaging the same name into one --out at once (two CI pipelines): their commits held only their own
     * lock, so the second's, run between the first's renames, left the first's tarball beside its own manifest. The
     * second now waits for the first's commit, saying so once, and then puts its own three files in place.
     */
    @Test
    void aSecondRunCommittingAtOnceWaitsItsTurn() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        List<String> said = new CopyOnWriteArrayList<>();
        CountDownLatch waits = new CountDownLatch(1);
        OutDirLock.Waiting waiting = new OutDirLock.Waiting(Duration.ofSeconds(60), note -> {
            said.add(note);
            waits.countDown();
        });
        List<FutureTask<Void>> second = new ArrayList<>();
        try (PackageOutputs secondRun = new PackageOutputs(out, waiting);
                PackageOutputs first = new PackageOutputs(out, name -> {
                    if (name.getFileName().toString().equals(NAME + ".manifest")) {
                        second.add(committing(secondRun)); // the other run's commit, between this one's renames
                        awaitWaitingOrDone(waits, second.getFirst());
                    }
                })) {
            addFiles(first, "first");
            addFiles(secondRun, "second");
            first.commit();
            second.getFirst().get(60, TimeUnit.SECONDS);
        }

        assertOneRunsFiles(out, "second");
        assertEquals(List.of("waiting for another package run committing into " + out), said);
    }

    /**
     * As above, but the first run's commit outlasts the second's wait (the test's seam: 0.3 s rather than 120 s): the
     * second is refused in one line and changes nothing, and its new files go.
     */
    @Test
    void aSecondRunThatWaitsTooLongIsRefusedAndLeavesTheFirstRunsFiles() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        IOException[] refused = {null};
        try (PackageOutputs secondRun =
                        new PackageOutputs(out, new OutDirLock.Waiting(Duration.ofMillis(300), note -> {}));
                PackageOutputs first = new PackageOutputs(out, name -> {
                    if (name.getFileName().toString().equals(NAME + ".manifest")) {
                        // On this thread: the first's commit holds the lock throughout the second's wait.
                        refused[0] = assertThrows(IOException.class, secondRun::commit);
                    }
                })) {
            addFiles(first, "first");
            addFiles(secondRun, "second");
            first.commit();
        }

        assertOneRunsFiles(out, "first");
        String message = refused[0].getMessage();
        assertTrue(message.startsWith("gave up after ") && !message.contains("\n"), message);
        assertTrue(
                message.contains(" s waiting for another package run committing into " + out + " (or any process"),
                message);
    }

    /**
     * A Ctrl-C or SIGTERM while a commit waits for another run's: the stop hook does not wait for that wait (it takes
     * only the run's own lock), and the waiting commit ends at once, changing nothing.
     */
    @Test
    void aStopWhileACommitWaitsEndsTheWait() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        CountDownLatch waits = new CountDownLatch(1);
        List<FutureTask<Void>> second = new ArrayList<>();
        long[] stopTook = {-1};
        try (PackageOutputs secondRun = new PackageOutputs(
                        out, new OutDirLock.Waiting(Duration.ofSeconds(60), note -> waits.countDown()));
                PackageOutputs first = new PackageOutputs(out, name -> {
                    if (name.getFileName().toString().equals(NAME + ".manifest")) {
                        second.add(committing(secondRun));
                        awaitWaitingOrDone(waits, second.getFirst());
                        long started = System.nanoTime();
                        secondRun.stopped(); // what its shutdown hook runs, from another thread than its commit's
                        stopTook[0] = System.nanoTime() - started;
                        try {
                            second.getFirst().get(10, TimeUnit.SECONDS);
                        } catch (InterruptedException | ExecutionException | TimeoutException e) {
                            // a stopped commit fails: asserted below
                        }
                        assertTrue(second.getFirst().isDone(), "the waiting commit ended");
                    }
                })) {
            addFiles(first, "first");
            addFiles(secondRun, "second");
            first.commit();
        }

        assertOneRunsFiles(out, "first");
        assertTrue(stopTook[0] < TimeUnit.SECONDS.toNanos(5), "the stop took " + stopTook[0] / 1_000_000 + " ms");
        ExecutionException failed =
                assertThrows(ExecutionException.class, () -> second.getFirst().get());
        assertTrue(
                failed.getCause().getMessage().startsWith("package stopped"),
                failed.getCause().toString());
    }

    /**
     * The lock is flock(2)'s on --out itself, as flock(1) takes it: another process holding it keeps a commit out, and
     * its death (SIGKILL) frees it, leaving no lock file in --out to clear by hand.
     */
    @Test
    void anotherProcessHoldingTheDirectoryLockIsWaitedForUntilItDies() throws Exception {
        assumeTrue(Files.isExecutable(FLOCK), "no " + FLOCK);
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        Process holder = new ProcessBuilder(
                        FLOCK.toString(), "--exclusive", "--close", out.toString(), "-c", "echo locked; exec sleep 60")
                .redirectErrorStream(true)
                .start();
        try (PackageOutputs run = new PackageOutputs(out, new OutDirLock.Waiting(Duration.ofMillis(500), note -> {}))) {
            assertEquals("locked", holder.inputReader().readLine());
            addFiles(run, "only");

            assertThrows(IOException.class, run::commit);
            assertEquals(
                    Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"),
                    names(out).stream().filter(n -> !n.endsWith(".partial")).collect(Collectors.toSet()));
            assertEquals("the earlier package", Files.readString(out.resolve(NAME + ".tar.gz")));

            holder.descendants().forEach(ProcessHandle::destroyForcibly);
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            run.commit();
        } finally {
            holder.descendants().forEach(ProcessHandle::destroyForcibly);
            holder.destroyForcibly();
        }

        assertOneRunsFiles(out, "only");
    }

    private static void addFiles(PackageOutputs run, String who) throws IOException {
        run.add(NAME + ".manifest", "manifest of the " + who + " run\n");
        run.add(NAME + ".manifest.sig", "signature of the " + who + " run\n");
        run.add(NAME + ".tar.gz", "tarball of the " + who + " run\n");
    }

    /** {@code run}'s commit, on a thread of its own. */
    private static FutureTask<Void> committing(PackageOutputs run) {
        FutureTask<Void> commit = new FutureTask<>(() -> {
            run.commit();
            return null;
        });
        Thread.ofPlatform().name("second-package-run").start(commit);
        return commit;
    }

    /** Until {@code commit} says it waits, or is done without (as every commit was before the directory's lock). */
    private static void awaitWaitingOrDone(CountDownLatch waits, FutureTask<Void> commit) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (!waits.await(10, TimeUnit.MILLISECONDS) && !commit.isDone() && System.nanoTime() < deadline) {
                // polled
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code who}'s three files, whole, and nothing else: no tarball beside another run's manifest. */
    private static void assertOneRunsFiles(Path out, String who) throws IOException {
        String tarball = Files.readString(out.resolve(NAME + ".tar.gz"));
        assertEquals("manifest of the " + who + " run\n", Files.readString(out.resolve(NAME + ".manifest")), tarball);
        assertEquals(
                "signature of the " + who + " run\n", Files.readString(out.resolve(NAME + ".manifest.sig")), tarball);
        assertEquals("tarball of the " + who + " run\n", tarball);
        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"), names(out));
    }

    /**
     * Names that are symbolic links (one to a file elsewhere, one dangling): link(2) keeps the link itself aside, not
     * its target, so the target is never written or removed, and a failing run puts each link back as it was.
     */
    @Test
    void namesThatAreSymlinksAreKeptAsLinksAndTheirTargetsUntouched() throws Exception {
        Path elsewhere = Files.writeString(dir.resolve("deployed.tar.gz"), "the deployed package");
        Path dangling = dir.resolve("gone.manifest");
        for (boolean fails : List.of(false, true)) {
            Path out = Files.createDirectories(dir.resolve("links-" + fails));
            Files.createSymbolicLink(out.resolve(NAME + ".tar.gz"), elsewhere);
            Files.createSymbolicLink(out.resolve(NAME + ".manifest"), dangling);
            commitManifestAndTarball(out, fails);
            assertEquals("the deployed package", Files.readString(elsewhere), "failing: " + fails);
            assertFalse(Files.exists(dangling, LinkOption.NOFOLLOW_LINKS), "failing: " + fails);
            assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest"), names(out), "nothing aside, failing: " + fails);
            if (fails) {
                assertEquals(elsewhere, Files.readSymbolicLink(out.resolve(NAME + ".tar.gz")));
                assertEquals(dangling, Files.readSymbolicLink(out.resolve(NAME + ".manifest")));
            } else {
                assertFalse(Files.isSymbolicLink(out.resolve(NAME + ".tar.gz")), "replaced, not written through");
                assertEquals("new\n", Files.readString(out.resolve(NAME + ".tar.gz")));
                assertEquals("manifest\n", Files.readString(out.resolve(NAME + ".manifest")));
            }
        }
    }

    /** An unsigned run whose tarball's rename fails: the earlier signature was deleted first, so its pair was left. */
    @Test
    void anUnsignedRunThatFailsKeepsTheEarlierSignature() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        try (PackageOutputs outputs = new PackageOutputs(out, name -> removePartial(out, NAME + ".tar.gz"))) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.remove(NAME + ".manifest.sig");
            outputs.add(NAME + ".tar.gz", "new\n");
            assertThrows(IOException.class, outputs::commit);
        }

        assertEarlierPackage(out, "an unsigned run");
    }

    /**
     * A Ctrl-C or SIGTERM while an unsigned run writes its tarball: the hook removed the new files, but the run went on
     * to its commit (Packager.publish does) until the JVM halted, and the commit, with nothing left to rename, still
     * moved the earlier signature aside and deleted it: the deployed package was left unsigned. A commit after a stop
     * now changes nothing.
     */
    @Test
    void aStopBeforeTheCommitKeepsTheEarlierSignature() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        IOException refused = null;
        try (PackageOutputs outputs = new PackageOutputs(out)) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.remove(NAME + ".manifest.sig");
            outputs.add(NAME + ".tar.gz", stream -> {
                stream.write(new byte[4096]);
                outputs.stopped(); // what the shutdown hook runs on Ctrl-C or SIGTERM
            });
            try {
                outputs.commit();
            } catch (IOException e) {
                refused = e;
            }
        }

        assertEarlierPackage(out, "stopped before the commit");
        assertTrue(refused != null, "a commit after a stop fails");
    }

    /**
     * A SIGTERM whose hook ran before the run's next file was begun: the run's thread goes on until the JVM halts, and
     * the file it made then was never deleted (a tarball's .partial left in --out, seen in CI). It is now refused.
     */
    @Test
    void aFileBegunAfterTheStopIsNeverMade() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        writeEarlierPackage(out);
        try (PackageOutputs outputs = new PackageOutputs(out)) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.stopped(); // what the shutdown hook runs on Ctrl-C or SIGTERM
            assertThrows(IOException.class, () -> outputs.add(NAME + ".tar.gz", "tarball"));
            assertEarlierPackage(out, "a file begun after the stop");
        }
        assertEarlierPackage(out, "after close");
    }

    /** A new manifest and tarball committed to {@code out}; if {@code fails}, the tarball's rename fails (ENOENT). */
    private static void commitManifestAndTarball(Path out, boolean fails) throws IOException {
        try (PackageOutputs outputs =
                new PackageOutputs(out, name -> removePartial(out, fails ? NAME + ".tar.gz" : "none"))) {
            outputs.add(NAME + ".manifest", "manifest\n");
            outputs.add(NAME + ".tar.gz", "new\n");
            if (fails) {
                assertThrows(IOException.class, outputs::commit);
            } else {
                outputs.commit();
            }
        }
    }

    private static void writeEarlierPackage(Path out) throws IOException {
        Files.writeString(out.resolve(NAME + ".tar.gz"), "the earlier package");
        Files.writeString(out.resolve(NAME + ".manifest"), "the earlier manifest\n");
        Files.writeString(out.resolve(NAME + ".manifest.sig"), "the earlier signature\n");
    }

    private static void assertEarlierPackage(Path out, String when) throws IOException {
        assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"), names(out), when);
        assertEquals("the earlier package", Files.readString(out.resolve(NAME + ".tar.gz")), when);
        assertEquals("the earlier manifest\n", Files.readString(out.resolve(NAME + ".manifest")), when);
        assertEquals("the earlier signature\n", Files.readString(out.resolve(NAME + ".manifest.sig")), when);
    }

    /** Removes {@code name}'s new file, not renamed yet: its rename then fails (ENOENT). */
    private static void removePartial(Path out, String name) {
        String partial = "\\Q" + name + ".\\E[0-9a-z]+\\.partial";
        try (var files = Files.list(out)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(partial))
                    .toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A full --out was said as a bare "No space left on device", naming no file; nothing is left of the run. */
    @Test
    void aFileThatCannotBeWrittenIsNamed() throws Exception {
        try (ScratchMount disk = ScratchMount.tmpfs(dir.resolve("disk"), "size=4k")) {
            Path out = Files.createDirectories(disk.dir.resolve("out"));
            disk.fill("fill");

            IOException e = assertThrows(IOException.class, () -> publishUnsigned(out));

            String said = CliMessages.ioProblem(e);
            assertTrue(said.startsWith(out.resolve(NAME + ".manifest") + ": "), said);
            assertEquals(Set.of(), names(out), "no temporary file left");
        }
    }

    /** An unsigned package of one file, "new". */
    private Path publishUnsigned(Path out) throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "new\n");
        return Packager.publish(
                out,
                NAME,
                List.of(new TreeEntry.RegularFile("file", 0644, file)),
                "manifest\n",
                null,
                1_700_000_000L,
                Packager.Steps.NONE,
                warning -> {});
    }

    private static Set<String> names(Path dir) throws IOException {
        try (var names = Files.list(dir)) {
            return names.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
