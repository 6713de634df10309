package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.testing.ScratchMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file {@code export --output} and {@code report --html} write: what an interrupted command (its shutdown hook)
 * or a failed one leaves, and what a complete one does.
 */
class PartialFileTest {
    @TempDir
    Path dir;

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void anAbandonedFileIsDeletedAndTheNameLeftAsItWas() throws Exception {
        Path named = Files.writeString(dir.resolve("may.jsonl"), "last month\n");
        PartialFile partial = PartialFile.create(named, "--output names a file");
        partial.write("{\"seq\":0}\n");
        assertEquals(2, files().size(), "written beside it: " + files());
        assertTrue(partial.abandon());
        assertEquals(List.of(named), files());
        assertEquals("last month\n", Files.readString(named));
    }

    @Test
    void aCommittedFileReplacesTheNameAndIsNotAbandoned() throws Exception {
        Path named = Files.writeString(dir.resolve("may.jsonl"), "last month\n");
        try (PartialFile partial = PartialFile.create(named, "--output names a file")) {
            partial.write("{\"seq\":0}\n");
            partial.commit();
            assertFalse(partial.abandon(), "a stop after the commit leaves the complete file");
        }
        assertEquals(List.of(named), files());
        assertEquals("{\"seq\":0}\n", Files.readString(named));
    }
    /**
     * export --output, report --html and verify --save-pin on a full disk said a bare "No space left on device",
     * naming no file; the partial file goes, the name is left as it was.
     */
    @Test
    void aFileThatCannotBeWrittenIsNamedAndLeavesNothing() throws Exception {
        try (ScratchMount disk = ScratchMount.tmpfs(dir.resolve("disk"), "size=4k")) {
            Path fill = disk.fill("fill");
            Path named = disk.dir.resolve("export.jsonl");
            IOException e;
            try (PartialFile partial = PartialFile.create(named, "--output names a file")) {
                partial.write("{\"seq\":0}\n".repeat(100));
                e = assertThrows(IOException.class, partial::commit);
            }
            String said = CliMessages.ioProblem(e);
            assertTrue(said.startsWith(named + ": "), said);
            try (Stream<Path> left = Files.list(disk.dir)) {
                assertEquals(List.of(fill), left.toList());
            }
        }
    }
}
