package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.PAYLOAD;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (R-CONF-1, host safety), the moment of the write: a Twrite took the set-id bits the host gave a file a
 * guest held open for writing only after its bytes were in, so for that moment the host inode was a set-uid program
 * with the guest's code (a host exec racing the write ran it as the file's owner). The kernel clears them before it
 * copies the bytes, under the inode lock. The seam observes the host mode right after the pwrite, inside the request.
 * And a Twrite of no bytes clears nothing, as Linux's write(2) of none does not.
 */
class HostSetIdWriteRaceAttackTest {
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    private final List<Integer> modesAfterPwrite = new CopyOnWriteArrayList<>();

    @AfterEach
    void removeSeam() {
        FileIo.whileWriting(null, null);
    }

    /** The host's chmod u+s came before the Twrite: the bytes must never sit in a set-uid inode. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aHostSetIdBitIsGoneBeforeTheGuestsBytesLand(int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY);
                Files.setAttribute(program, "unix:mode", 04755);
                FileIo.whileWriting(() -> {}, () -> modesAfterPwrite.add(mode(program)));
                assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));
            }
            assertEquals(List.of(0755), modesAfterPwrite, octal(modesAfterPwrite));
        }
    }

    /** The host's chmod u+s lands after the gateway looked and before the pwrite: the kernel must clear it. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aHostSetIdBitRacingTheWriteIsClearedByIt(int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            Files.setAttribute(program, "unix:mode", 0755);
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY);
                FileIo.whileWriting(() -> setMode(program, 04755), () -> modesAfterPwrite.add(mode(program)));
                assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));
            }
            assertEquals(List.of(0755), modesAfterPwrite, octal(modesAfterPwrite));
        }
    }

    /**
     * A Twrite of no bytes (only a raw client sends one) leaves the host's bits and a kept bit alone, as write(2) of
     * none does on Linux (generic_write_checks returns 0 and file_remove_privs is never reached); one byte clears.
     */
    @Test
    void aWriteOfNoBytesClearsNoSetIdBit() throws Exception {
        assumeTrue(CAN_CHOWN, "the kept bit is shown only for an owner the VM's map names");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            try (P9Client guest = gw.attached("data", 1000)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY); // takes the host's bit: kept, shown to the guest, off the host inode
                assertEquals(04755, shown(guest));
                assertEquals(0, guest.write(1, 0, new byte[0]));
                assertEquals(04755, shown(guest), "kept bit after a write of no bytes");

                Files.setAttribute(program, "unix:mode", 04755);
                assertEquals(0, guest.write(1, 0, new byte[0]));
                assertEquals(04755, mode(program), "host bit after a write of no bytes");

                AtomicBoolean once = new AtomicBoolean();
                FileIo.whileWriting(() -> once.set(true), () -> {});
                assertEquals(1, guest.write(1, 0, new byte[] {'#'}));
                assertEquals(true, once.get());
                assertEquals(0755, shown(guest), "kept bit after a write of one byte");
                assertEquals(0755, mode(program), "host bit after a write of one byte");
            }
        }
    }

    private static int shown(P9Client guest) throws Exception {
        return guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
    }

    static int mode(Path p) {
        try {
            return (int) Files.getAttribute(p, "unix:mode") & 07777;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void setMode(Path p, int mode) {
        HostChmod.chmod(p, mode);
    }

    private static String octal(List<Integer> modes) {
        return modes.stream().map(Integer::toOctalString).toList().toString();
    }
}
