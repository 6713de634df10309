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

/** Only a Twrite's data to a share on the log's file system counts against the log's free-space reserve. */
class DataOnLogFilesystemTest {
    @TempDir
    Path dir;

    @Test
    void aWriteToAShareOnTheLogsDeviceCountsItsData() throws Exception {
        Path log = Files.createDirectory(dir.resolve("log"));
        Path share = Files.createDirectory(dir.resolve("share"));
        DataOnLogFilesystem data = new DataOnLogFilesystem(log, (vm, name) -> Optional.of(share));
        assertEquals(4096, data.bytesOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)));
        assertEquals(0, data.bytesOf(entry(Operation.WRITE, RecordPhase.OUTCOME, 4096)), "only the intent");
        assertEquals(0, data.bytesOf(entry(Operation.READ, RecordPhase.DONE, 4096)), "a read writes nothing");
    }

    @Test
    void aShareOnAnotherDeviceOrNoneCountsNothing() throws Exception {
        Path other = Path.of("/dev/shm");
        assumeTrue(
                Files.isDirectory(other)
                        && !Files.getAttribute(other, "unix:dev").equals(Files.getAttribute(dir, "unix:dev")),
                "needs /dev/shm on a device of its own");
        DataOnLogFilesystem data = new DataOnLogFilesystem(dir, (vm, name) -> Optional.of(other));
        assertEquals(0, data.bytesOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)));
        DataOnLogFilesystem none = new DataOnLogFilesystem(dir, (vm, name) -> Optional.empty());
        assertEquals(0, none.bytesOf(entry(Operation.WRITE, RecordPhase.INTENT, 4096)), "a share no longer served");
    }

    private static AuditEntry entry(Operation op, RecordPhase phase, long bytes) {
        AccessRequest request =
                new AccessRequest("alpha", 1, op, "data", List.of("/f"), 0, 0, new RequestArgs.FileIo(0), "");
        return new AuditEntry(
                1, MessageType.TWRITE, request, Decision.allow(List.of("r")), Outcome.success(bytes), phase, -1);
    }
}
