package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.testing.ScratchMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery at open sets records no gateway wrote aside into a file of their own before it cuts them from the log
 * (docs/audit-format.md, "Recovery at open"). On a full disk that copy fails and the gateway does not start, as it
 * must not: the records would stay in the log, to be signed. But the copy's file stayed, empty or cut short, named
 * like evidence of a set-aside that never happened, and next to the complete one of the start that followed once
 * room was made. Now a copy that fails is removed: one file, the whole tail, once the start succeeds.
 */
class ForgedTailOnAFullDiskAttackTest {
    private static final int FORGED = 300;

    @TempDir
    Path tmp;

    /** Before: two set-aside files after the restart, the first one empty. */
    @Test
    void aSetAsideThatFindsNoRoomLeavesNoFile() throws Exception {
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=4m")) {
            Path dir = Files.createDirectory(fs.dir.resolve("log"));
            SigningKey key = TestLogs.key("ecu-a-audit");
            TestLogs.write(dir, key, TestLogs.options(), 20);
            LogEditor e = new LogEditor(dir);
            int first = e.lines.size();
            String decision = e.lines.stream()
                    .filter(line -> line.contains("\"type\":\"decision\""))
                    .findFirst()
                    .orElseThrow();
            for (int i = 0; i < FORGED; i++) { // more than any room a full disk has left
                e.insert(e.lines.size(), decision.replace("/data/", "/forged/"));
            }
            e.renumberFrom(first);
            e.rechainFrom(first);
            e.save();
            Path filler = fs.fill("filler");

            IOException refused =
                    assertThrows(IOException.class, () -> TestLogs.write(dir, key, TestLogs.options(), 3));
            assertEquals(List.of(), setAsideFiles(dir), "a set-aside that failed left a file");
            assertTrue(refused.getMessage().contains("cannot set aside"), refused.getMessage());

            Files.delete(filler);
            TestLogs.write(dir, key, TestLogs.options(), 3);
            List<Path> aside = setAsideFiles(dir);
            assertEquals(1, aside.size(), aside.toString());
            assertEquals(FORGED, Files.readAllLines(aside.getFirst()).size());
            VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
            assertTrue(r.ok(), r.summary());
        }
    }

    private static List<Path> setAsideFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("set-aside-"))
                    .toList();
        }
    }
}
