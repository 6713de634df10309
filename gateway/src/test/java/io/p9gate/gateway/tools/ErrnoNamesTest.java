package io.p9gate.gateway.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.ErrnoNames;
import io.p9gate.gateway.proto.Errno;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The audit tools name errnos from their own list (the audit module cannot see the gateway's {@link Errno});
 * both must give every number the same name, or {@code audit show --errno EDQUOT} would miss the gateway's records.
 */
class ErrnoNamesTest {
    @Test
    void theAuditToolsNameEveryErrnoAsTheGatewaySendsIt() {
        for (Errno e : Errno.values()) {
            assertEquals(e.name(), ErrnoNames.name(e.code()), "errno " + e.code());
            assertEquals(Optional.of(e.code()), ErrnoNames.parse(e.name()), e.name());
        }
        int highest = Arrays.stream(Errno.values()).mapToInt(Errno::code).max().orElseThrow();
        assertEquals(highest, ErrnoNames.highest());
        assertEquals("0", ErrnoNames.name(0));
        assertEquals("4095", ErrnoNames.name(4095));
        assertEquals(Optional.empty(), ErrnoNames.parse("ENOTANERRNO"));
    }
}
