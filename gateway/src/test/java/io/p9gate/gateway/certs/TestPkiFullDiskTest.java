package io.p9gate.gateway.certs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.testing.ScratchMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code certs} on a full disk said a bare "No space left on device", naming no file; nothing is left of the run. */
class TestPkiFullDiskTest {
    @TempDir
    Path tmp;

    @Test
    void aFileThatCannotBeWrittenIsNamed() throws Exception {
        try (ScratchMount disk = ScratchMount.tmpfs(tmp.resolve("disk"), "size=4k")) {
            Path pki = disk.dir.resolve("pki");
            disk.fill("fill");

            IOException e = assertThrows(
                    IOException.class, () -> TestPki.create(pki, "test CA", List.of(), Duration.ofDays(1)));

            String said = CliMessages.ioProblem(e);
            assertTrue(said.startsWith(pki + "/") && said.endsWith(": No space left on device"), said);
            assertFalse(Files.exists(pki), "nothing left of the run");
        }
    }
}
