package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.ManyCheckpointsLog;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment the reviewer may not read: {@code audit verify} says which file and why, not {@code error: FILE}
 * alone (the JDK's AccessDeniedException carries no reason). Root reads any file, so as root the tool runs without
 * the capabilities that let it (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), as a reviewer's account
 * would.
 */
class UnreadableSegmentTest {
    @TempDir
    Path tmp;

    @Test
    void aSegmentWithoutReadPermissionIsSaidSo() throws Exception {
        ManyCheckpointsLog log = ManyCheckpointsLog.write(tmp, 20);
        Path segment = LogDirectory.segments(log.log()).getFirst();
        Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("---------"));
        List<String> wrapper = List.of();
        if ("root".equals(System.getProperty("user.name"))) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv drops root's file access");
            wrapper = List.of(
                    "/usr/bin/setpriv",
                    "--inh-caps=-dac_override,-dac_read_search",
                    "--bounding-set=-dac_override,-dac_read_search");
        }
        ManyCheckpointsLog.Run r = ManyCheckpointsLog.audit(
                wrapper,
                "64m",
                "verify",
                "--log",
                log.log().toString(),
                "--key",
                log.pub().toString());
        assertEquals(1, r.exit(), r.out());
        assertEquals(
                "p9gate audit verify: error: " + segment + ": permission denied",
                r.out().strip());
    }
}
