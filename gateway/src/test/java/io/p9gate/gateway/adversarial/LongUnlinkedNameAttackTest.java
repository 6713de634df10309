package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@code fuzz.SameVmRaceFuzzTest} (R-AUD-1): a file opened and then unlinked is named by the kernel with
 * " (deleted)" after its name, and the gateway looks that whole name up once to tell the kernel's mark from a name
 * that really ends so. For a name of 246 bytes or more the whole name is longer than any name can be, and that
 * lookup's ENAMETOOLONG failed every request through the handle once a rename made it ask the kernel: a program's
 * writes to its own unlinked temporary file failed, and its Tclunk, answered Rclunk, was recorded as refused by
 * {@code confinement} with errno 36. No entry can have such a name: the mark is cut.
 */
class LongUnlinkedNameAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void anUnlinkedFileWhoseNameIsNearTheLimitIsStillServedAndRecordedAsItself() throws Exception {
        String name = "n".repeat(250);
        HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
        try (gw;
                P9Client guest = gw.attached("data", 0)) {
            guest.walk(0, 1);
            guest.lcreate(1, name, O_RDWR, 0644, 0);
            guest.unlinkat(0, name, 0);
            // Any rename makes every handle ask the kernel its path again.
            guest.mkdir(0, "made", 0755, 0);
            guest.renameat(0, "made", 0, "moved");

            assertEquals(5, guest.write(1, 0, "still".getBytes(StandardCharsets.UTF_8)));
            assertEquals("still", new String(guest.read(1, 0, 100), StandardCharsets.UTF_8));
            guest.clunk(1);
        }
        AuditEntry write = last(gw.records, Operation.WRITE);
        assertEquals(List.of(name), write.request().paths(), "the unlinked file written");
        AuditEntry clunk = last(gw.records, Operation.CLUNK);
        assertEquals(List.of(name), clunk.request().paths());
        assertEquals(null, clunk.outcome().errno(), "the clunk is recorded as the success it was: " + clunk);
    }

    private static AuditEntry last(List<AuditEntry> records, Operation op) {
        return records.stream()
                .filter(r -> r.request().operation() == op)
                .reduce((a, b) -> b)
                .orElseThrow();
    }
}
