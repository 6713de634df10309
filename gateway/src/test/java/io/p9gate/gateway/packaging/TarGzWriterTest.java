package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive of a package (issue 9 item 1): byte-stable, and what GNU tar extracts is what was meant. */
class TarGzWriterTest {
    private static final long MTIME = 1_700_000_000L;

    @TempDir
    Path dir;

    private List<TreeEntry> entries() throws IOException {
        Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho hi\n");
        Path secret = Files.writeString(dir.resolve("secret"), "policy: private\n");
        Path big = Files.write(dir.resolve("big"), new byte[70_000]);
        String deep = "runtime/" + "d".repeat(60) + "/" + "e".repeat(60) + "/" + "f".repeat(50) + ".txt";
        return List.of(
                new TreeEntry.Directory("bin", 0755),
                new TreeEntry.RegularFile("bin/p9gate", 0755, script),
                new TreeEntry.RegularFile("big", 0644, big),
                new TreeEntry.Directory("etc", 0755),
                new TreeEntry.Directory("etc/p9gate", 0700),
                new TreeEntry.RegularFile("etc/p9gate/policy.yaml", 0600, secret),
                new TreeEntry.RegularFile(deep, 0644, script),
                new TreeEntry.Symlink("runtime/LICENSE", "../bin/p9gate"));
    }

    private byte[] archive(List<TreeEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarGzWriter.write(entries, MTIME, out);
        return out.toByteArray();
    }

    @Test
    void theSameEntriesGiveTheSameBytesAndTheGzipHeaderHasNoNameOrTime() throws Exception {
        byte[] first = archive(entries());
        assertArrayEquals(first, archive(entries()));
        assertEquals(0, first[3], "gzip FLG: no FNAME, no FEXTRA, no comment");
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(first, 4, 8), "gzip MTIME 0");
    }

    /**
     * Compressing a package's runtime took ~25 s after the line "writing … (N entries)" with nothing more, so the
     * step looked hung: the writer says after each entry how much of the files is archived, for package to show.
     */
    @Test
    void saysAfterEachEntryHowManyFileBytesAreArchived() throws Exception {
        List<TreeEntry> entries = entries();
        List<Long> archived = new java.util.ArrayList<>();
        TarGzWriter.write(entries, MTIME, new ByteArrayOutputStream(), archived::add);
        assertEquals(List.of(0L, 18L, 70_018L, 70_018L, 70_018L, 70_034L, 70_052L, 70_052L), archived);
        assertEquals(70_052L, TarGzWriter.fileBytes(entries));
    }

    @Test
    void gnuTarExtractsTheModesOwnersLinksAndLongPathsGiven() throws Exception {
        List<TreeEntry> entries = entries();
        Path tarball = Files.write(dir.resolve("t.tar.gz"), archive(entries));
        Path out = Files.createDirectories(dir.resolve("out"));
        run("tar", "-xzf", tarball.toString(), "-C", out.toString());

        assertEquals("rwxr-xr-x", mode(out.resolve("bin/p9gate")));
        assertEquals("rw-------", mode(out.resolve("etc/p9gate/policy.yaml")));
        assertEquals("rwx------", mode(out.resolve("etc/p9gate")));
        assertEquals(
                "#!/bin/sh\necho hi\n",
                Files.readString(out.resolve(entries.get(6).path())));
        assertEquals(70_000, Files.size(out.resolve("big")));
        assertEquals(Path.of("../bin/p9gate"), Files.readSymbolicLink(out.resolve("runtime/LICENSE")));
        assertEquals(
                MTIME,
                Files.getLastModifiedTime(out.resolve("etc/p9gate/policy.yaml")).toMillis() / 1000);

        String listing = run("tar", "-tvzf", tarball.toString(), "--numeric-owner");
        assertEquals(entries.size(), listing.lines().count(), listing);
        listing.lines().forEach(line -> assertEquals("0/0", line.split("\\s+")[1], line));
    }

    @Test
    void aPathTarCannotHoldIsRefused() {
        String unsplittable = "x".repeat(101);
        assertThrows(IOException.class, () -> TarGzWriter.header(unsplittable, 0644, 0, MTIME, '0', ""));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }
}
