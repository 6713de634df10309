package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --pin} file that is no signed checkpoint at all (empty, a key or some other text given by mistake) is bad
 * input, exit 2 naming the file (docs/audit-format.md, exit codes: "pin file"). Before, verify read the intact log
 * as {@code TAMPERED}, exit 11 (MALFORMED: "pinned checkpoint: not a signed note").
 */
class MalformedPinFileTest {
    @TempDir
    Path tmp;

    @Test
    void aPinFileThatIsNoCheckpointIsBadInputNotATamperedLog() throws Exception {
        ReviewedLog reviewed = ReviewedLog.withDecisions(tmp, 20);
        for (String text : new String[] {"", "hello\n", Files.readString(reviewed.pub())}) {
            Path pin = Files.writeString(tmp.resolve("last.pin"), text);
            CliRun r = CliRun.audit(
                    "verify",
                    "--log",
                    reviewed.log().toString(),
                    "--key",
                    reviewed.pub().toString(),
                    "--pin",
                    pin.toString());
            assertEquals(2, r.exit(), "pin '" + text + "': " + r.out() + r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains(pin + " is not a pin file: "), r.err());
            assertEquals("", r.out());
        }
    }
}
