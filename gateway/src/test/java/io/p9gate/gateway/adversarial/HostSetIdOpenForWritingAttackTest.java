package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.PAYLOAD;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.mode;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.setMode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-CONF-1, host safety): an open for writing that changes no data (Tlopen O_WRONLY, Tlcreate of an existing
 * file without O_TRUNC) chmodded a host set-id program to the mode it had just read without its set-id bits. A host's
 * chmod between that look and the chmod was overwritten (0700 back to 0755: the host's program readable and runnable
 * by every host user again), and an open alone, never followed by a write, took a host program's set-uid bit for good,
 * where Linux's open(2) changes no mode. The writes and truncates run without CAP_FSETID, so the kernel clears the bits
 * in the change itself. The seam makes the host's chmod inside the window.
 */
class HostSetIdOpenForWritingAttackTest {
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    @AfterEach
    void removeSeam() {
        Inodes.beforeChmod(null);
    }

    @ParameterizedTest
    @CsvSource({"lopen,0", "lopen,1000", "lcreate,0", "lcreate,1000"})
    void aHostChmodWhileAGuestOpensForWritingStands(String how, int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "prog", "rwsr-xr-x");
            try (P9Client guest = gw.attached("data", guestUid)) {
                // The host's chmod 0700: just before a chmod of the gateway's, else once the open is done.
                AtomicBoolean hostChmodded = new AtomicBoolean();
                Inodes.beforeChmod(() -> {
                    setMode(program, 0700);
                    hostChmodded.set(true);
                });
                opensForWriting(guest, how);
                Inodes.beforeChmod(null);
                if (!hostChmodded.get()) {
                    setMode(program, 0700);
                }
                assertEquals("700", Integer.toOctalString(mode(program)), "the host's chmod 0700 during the " + how);
            }
        }
    }

    /**
     * An open for writing alone leaves the host's set-uid program as it is (on the host and as shown); the guest's
     * write then clears the bit on the host, and the guest's root alone keeps it, as Linux's root does. A host's
     * {@code chmod u-s} after the open alone stands for the VM too: nothing was kept for it.
     */
    @ParameterizedTest
    @CsvSource({"lopen,0", "lopen,1000", "lcreate,0", "lcreate,1000"})
    void anOpenForWritingChangesNoModeUntilAWrite(String how, int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "prog", "rwsr-xr-x");
            int setUidShown = CAN_CHOWN ? 04000 : 0; // shown only for an owner the VM's map names
            try (P9Client guest = gw.attached("data", guestUid)) {
                opensForWriting(guest, how);
                assertEquals("4755", Integer.toOctalString(mode(program)), "host mode after the open alone");
                assertEquals(Integer.toOctalString(0755 | setUidShown), shown(guest), "shown after the open alone");
                setMode(program, 0755); // the host's chmod u-s
                assertEquals("755", shown(guest), "shown after the host's chmod u-s");

                setMode(program, 04755);
                assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));
                assertEquals("755", Integer.toOctalString(mode(program)), "host mode after the write");
                int keptForRoot = guestUid == 0 ? setUidShown : 0;
                assertEquals(Integer.toOctalString(0755 | keptForRoot), shown(guest), "shown after the write");
            }
        }
    }

    /** Fid 1: the program, open for writing. */
    private static void opensForWriting(P9Client guest, String how) throws Exception {
        if (how.equals("lopen")) {
            guest.walk(0, 1, "prog");
            guest.lopen(1, O_WRONLY);
        } else {
            guest.walk(0, 1);
            guest.lcreate(1, "prog", O_WRONLY, 0644, 0); // no O_EXCL: opens the existing program
        }
    }

    private static String shown(P9Client guest) throws Exception {
        return Integer.toOctalString(guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777);
    }
}
