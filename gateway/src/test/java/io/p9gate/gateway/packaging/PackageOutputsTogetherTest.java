package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.testing.ScratchMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
                () -> Packager.publish(out, NAME, entries, "manifest\n", "sig\n", 1_700_000_000L, Packager.Steps.NONE));

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
                Packager.Steps.NONE);
    }

    private static Set<String> names(Path dir) throws IOException {
        try (var names = Files.list(dir)) {
            return names.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
