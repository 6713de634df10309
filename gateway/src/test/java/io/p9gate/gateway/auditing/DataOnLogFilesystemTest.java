package io.p9gate.gateway.auditing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.proto.MessageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a change takes on a share on the log's file system counts against the log's free-space reserve. */
class DataOnLogFilesystemTest {
    @TempDir
    Path dir;

    @Test
    void aWriteToAShareOnTheLogsDeviceCountsItsData() throws Exception {
        Path log = Files.createDirectory(dir.resolve("log"));
        Path share = Files.createDirectory(dir.resolve("share"));
        DataOnLogFilesystem data = new DataOnLogFilesystem(log, (vm, name) -> Optional.of(share));
        assertEquals(
                new Footprint(8192, 0),
                data.footprintOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)),
                "4 KiB at an unaligned offset (an O_APPEND write's is the file's end) take two blocks");
        assertEquals(
                new Footprint(4096, 0),
                data.footprintOf(entry(Operation.WRITE, RecordPhase.INTENT, 1)),
                "a byte written into a hole takes a block");
        assertEquals(
                Footprint.NONE, data.footprintOf(entry(Operation.WRITE, RecordPhase.OUTCOME, 4096)), "only the intent");
        assertEquals(
                Footprint.NONE,
                data.footprintOf(entry(Operation.READ, RecordPhase.DONE, 4096)),
                "a read writes nothing");
    }

    /**
     * Changes without data took blocks and inodes the budget did not count: each now counts an estimate (ext4, 4 KiB
     * blocks): an entry its name and header, a new inode 512 bytes and one inode, a directory a block, a symlink
     * target too long for the inode its blocks, an xattr its name and value.
     */
    @Test
    void changesWithoutDataCountTheirBlocksAndInodes() throws Exception {
        Path log = Files.createDirectory(dir.resolve("log"));
        DataOnLogFilesystem data = new DataOnLogFilesystem(log, (vm, name) -> Optional.of(log));
        assertEquals(
                new Footprint(8 + 1 + 512 + 4096, 1),
                data.footprintOf(intent(Operation.MKDIR, new RequestArgs.Make("d", 0755, true, 0, 0))));
        assertEquals(
                new Footprint(8 + 1 + 512, 1),
                data.footprintOf(intent(Operation.CREATE, new RequestArgs.Create("e", 0, 0644, true))));
        assertEquals(
                new Footprint(8 + 1 + 512, 1),
                data.footprintOf(intent(Operation.SYMLINK, new RequestArgs.Symlink("l", "short"))),
                "a short target is kept in the inode");
        assertEquals(
                new Footprint(8 + 1 + 512 + 8192, 1),
                data.footprintOf(intent(Operation.SYMLINK, new RequestArgs.Symlink("l", "t".repeat(4097)))));
        assertEquals(
                new Footprint(8 + 4, 0),
                data.footprintOf(intent(Operation.LINK, new RequestArgs.EntryNames(List.of("hard")))));
        assertEquals(
                new Footprint(15 * 4096, 0),
                data.footprintOf(intent(Operation.XATTR_COMMIT, new RequestArgs.XattrSet("user.attr1", 60000, 0))),
                "8 + 10 + 60000 bytes, in whole blocks");
        assertEquals(
                new Footprint(4096, 0),
                data.footprintOf(intent(Operation.XATTR_COMMIT, new RequestArgs.XattrSet("user.a", 100, 0))),
                "a value too long for the inode takes a block of its own");
        assertEquals(
                Footprint.NONE,
                data.footprintOf(intent(Operation.XATTR_COMMIT, new RequestArgs.XattrSet("user.attr1", 0, 0))),
                "an empty value removes the attribute");
        assertEquals(
                Footprint.NONE,
                data.footprintOf(intent(Operation.WRITE, new RequestArgs.XattrIo("user.attr1", 0), 60000)),
                "the value's Twrite fills the gateway's memory, not the disk: counted once, at the commit");
        assertEquals(Footprint.NONE, data.footprintOf(intent(Operation.REMOVE, new RequestArgs.Unlink("e", false))));
    }

    @Test
    void aShareOnAnotherDeviceOrNoneCountsNothing() throws Exception {
        Path other = Path.of("/dev/shm");
        assumeTrue(
                Files.isDirectory(other)
                        && !Files.getAttribute(other, "unix:dev").equals(Files.getAttribute(dir, "unix:dev")),
                "needs /dev/shm on a device of its own");
        DataOnLogFilesystem data = new DataOnLogFilesystem(dir, (vm, name) -> Optional.of(other));
        assertEquals(Footprint.NONE, data.footprintOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)));
        DataOnLogFilesystem none = new DataOnLogFilesystem(dir, (vm, name) -> Optional.empty());
        assertEquals(
                Footprint.NONE,
                none.footprintOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)),
                "a share no longer served");
    }

    private static AuditEntry intent(Operation op, RequestArgs args) {
        return intent(op, args, 0);
    }

    private static AuditEntry intent(Operation op, RequestArgs args, long bytes) {
        AccessRequest request = new AccessRequest("alpha", 1, op, "data", List.of("/f"), 0, 0, args, "");
        return new AuditEntry(
                1,
                MessageType.TMKDIR,
                request,
                Decision.allow(List.of("r")),
                Outcome.success(bytes),
                RecordPhase.INTENT,
                -1);
    }

    private static AuditEntry entry(Operation op, RecordPhase phase, long bytes) {
        AccessRequest request =
                new AccessRequest("alpha", 1, op, "data", List.of("/f"), 0, 0, new RequestArgs.FileIo(0), "");
        return new AuditEntry(
                1, MessageType.TWRITE, request, Decision.allow(List.of("r")), Outcome.success(bytes), phase, -1);
    }
}
