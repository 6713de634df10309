package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Tlcreate that fails after its file exists takes that file back (UnmadeFile). Another session, or another VM
 * sharing the folder, may rename its own entry onto the name just after the gateway checked the name still names
 * the file it made: that entry, and its data, must stay.
 */
class UnmadeFileRaceTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path shareDir;

    ShareRoot share;

    @BeforeEach
    void openShare() throws Exception {
        share = ShareRoot.open(shareDir, new QidMapper());
    }

    @AfterEach
    void tearDown() {
        UnmadeFile.afterCheck(null);
        share.close();
    }

    /** Before: "victim" unlinked, the other session's data with it. */
    @Test
    void anEntryRenamedOntoTheNameOfAFailedCreateStays() throws Exception {
        Files.writeString(shareDir.resolve("theirs"), "their data");
        UnmadeFile.afterCheck(() -> {
            UnmadeFile.afterCheck(null);
            move("theirs", "victim");
        });

        P9Exception failed = failedCreate("victim", () -> {});

        assertEquals(Errno.ENOSPC, failed.errno());
        assertInstanceOf(MadeFileNotTakenBack.class, failed, "the rename onto the name removed the file made");
        assertTrue(Files.exists(shareDir.resolve("victim")), "the entry renamed onto the name was unlinked");
        assertEquals("their data", Files.readString(shareDir.resolve("victim")));
        assertEquals(List.of("victim"), names(), "nothing else left, nothing hidden");
    }

    /** The file made is still taken back when nothing moved. */
    @Test
    void aFailedCreateLeavesNothing() throws Exception {
        P9Exception failed = failedCreate("victim", () -> {});

        assertEquals(Errno.ENOSPC, failed.errno());
        assertFalse(failed instanceof MadeFileNotTakenBack, "taken back");
        assertEquals(List.of(), names());
    }

    /**
     * Renamed away by another session before the create failed, the file made stays where it went, and the create
     * says it was not taken back: a quota counts its inode (before, the create's failure looked like one that made
     * nothing, and the quota gave the inode back while the file lived on).
     */
    @Test
    void aFileMadeAndRenamedAwayBeforeTheCreateFailedIsReportedKept() throws Exception {
        P9Exception failed = failedCreate("victim", () -> move("victim", "moved"));

        assertEquals(Errno.ENOSPC, failed.errno());
        assertInstanceOf(MadeFileNotTakenBack.class, failed);
        assertEquals(List.of("moved"), names());
    }

    /**
     * A fault (a bug) after the file was made, renamed away meanwhile: not taken back, the create says so too (EIO),
     * so that a quota keeps its inode; before, the fault went up as it was, and the quota gave the inode back.
     */
    @Test
    void aFileMadeAndRenamedAwayBeforeAFaultIsReportedKept() throws Exception {
        FileIo io = new FileIo(share);
        try (Node root = share.root()) {
            P9Exception failed = assertThrows(
                    P9Exception.class,
                    () -> io.create(root, "victim", O_RDWR, 0644, true, (node, stat) -> {
                        move("victim", "moved");
                        throw new IllegalStateException("a fault in the create");
                    }));

            assertInstanceOf(MadeFileNotTakenBack.class, failed);
            assertEquals(Errno.EIO, failed.errno());
        }
        assertEquals(List.of("moved"), names());
    }

    /** A create whose finish runs {@code meanwhile} (another session's request), then fails with ENOSPC. */
    private P9Exception failedCreate(String name, Runnable meanwhile) throws P9Exception {
        FileIo io = new FileIo(share);
        try (Node root = share.root()) {
            return assertThrows(
                    P9Exception.class,
                    () -> io.create(root, name, O_RDWR, 0644, true, (node, stat) -> {
                        meanwhile.run();
                        throw new P9Exception(Errno.ENOSPC, "no room for the owner");
                    }));
        }
    }

    private void move(String from, String to) {
        try {
            Files.move(shareDir.resolve(from), shareDir.resolve(to), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> entries = Files.list(shareDir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
