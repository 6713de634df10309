package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R-CONF-1, the refused side of {@link HostSetIdWriteAttackTest}: a guest's root truncates a set-uid program the host
 * put in the share while the host runs it, so the kernel refuses the truncate (ETXTBSY). The host's bits are taken
 * into kept ones before the truncate, so that the guest's root keeps them as Linux's root does; a truncate that then
 * fails must leave the host's program as it was, set-uid, since nothing of it changed.
 */
class HostSetIdRefusedTruncateAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRefusedTruncateOfARunningHostSetIdProgramLeavesItsBits(boolean byOpen) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = gw.share("data").resolve("running");
            Files.copy(Path.of("/bin/sleep"), program, StandardCopyOption.COPY_ATTRIBUTES);
            Files.setAttribute(program, "unix:mode", 04755);
            Process running = new ProcessBuilder(program.toString(), "60").start();
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "running");
                P9Exception busy = assertThrows(P9Exception.class, () -> {
                    if (byOpen) {
                        guest.lopen(1, O_WRONLY | O_TRUNC);
                    } else {
                        guest.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
                    }
                });
                assertEquals(Errno.ETXTBSY, busy.errno(), busy.toString());
            } finally {
                running.destroyForcibly().waitFor();
            }
            int mode = (int) Files.getAttribute(program, "unix:mode") & 07777;
            assertEquals(04755, mode, "the host's program after a refused truncate: " + Integer.toOctalString(mode));
            assertEquals(Files.size(Path.of("/bin/sleep")), Files.size(program));
        }
    }
}
