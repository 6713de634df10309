package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.mode;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.setMode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-CONF-1, host safety), the truncate's twin of {@link HostSetIdWriteRaceAttackTest}: the host makes a
 * file a guest opened set-uid after the gateway looked at its bits and before the guest's truncate (a Tsetattr of its
 * size, a Tlopen or Tlcreate with O_TRUNC). The kernel clears set-id bits at a truncate by a process without
 * CAP_FSETID; the gateway as root has it, so the host kept a set-uid inode with the guest's change in it, after the
 * request too. The truncate now runs without it, as Twrite's pwrite does. The seam sets the bit just before the
 * truncate and reads the host mode just after it.
 */
class HostSetIdTruncateRaceAttackTest {
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    private final List<Integer> modesAfterTruncate = new CopyOnWriteArrayList<>();

    @AfterEach
    void removeSeam() {
        FileIo.whileWriting(null, null);
    }

    @ParameterizedTest
    @CsvSource({"setattr,0", "setattr,1000", "lopen,0", "lopen,1000", "lcreate,0", "lcreate,1000"})
    void aHostSetIdBitRacingTheTruncateIsClearedByIt(String how, int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            Files.setAttribute(program, "unix:mode", 0755);
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "open");
                if (how.equals("setattr")) {
                    guest.lopen(1, O_WRONLY);
                }
                FileIo.whileWriting(() -> setMode(program, 04755), () -> modesAfterTruncate.add(mode(program)));
                HostSetIdTruncatePathsTest.truncate(guest, how, "open", 1);
                FileIo.whileWriting(null, null);
            }
            assertEquals("[755]", octal(), "host mode just after the truncate");
            assertEquals("755", Integer.toOctalString(mode(program)), "host mode after the request");
        }
    }

    private String octal() {
        return modesAfterTruncate.stream().map(Integer::toOctalString).toList().toString();
    }
}
