package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.PAYLOAD;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.mode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.client.P9Client;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The clearing of set-id bits at a write races no chmod (session 41's review): the kernel clears them in the pwrite,
 * under the inode lock, from the mode the inode has then; the gateway makes no chmod of its own after the write, from
 * a mode it read before, that could undo another's chmod (the host's, or another VM's, which reaches the host as a
 * chmod too) or set bits again. A chmod landing right after the pwrite stands, as after a write on Linux. No defect
 * found: this pins it.
 */
class SetIdClearingChmodRaceTest {
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    @AfterEach
    void removeSeams() {
        FileIo.whileWriting(null, null);
        Inodes.beforeChmod(null);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aChmodRightAfterTheWriteStandsAndTheGatewayMakesNone(int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            HostChmod.chmod(program, 04757);
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY);
                AtomicInteger gatewayChmods = new AtomicInteger();
                Inodes.beforeChmod(gatewayChmods::incrementAndGet);
                FileIo.whileWriting(() -> {}, () -> HostChmod.chmod(program, 04711));
                assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));
                assertEquals(04711, mode(program), Integer.toOctalString(mode(program)));
                assertEquals(0, gatewayChmods.get(), "chmods the gateway made for the write");
            }
        }
    }
}
