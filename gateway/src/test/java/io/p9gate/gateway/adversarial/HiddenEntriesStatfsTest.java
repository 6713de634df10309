package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Tgetattr of a directory that directly holds a hidden name asked the kernel for its file system's type (one
 * fstatfs, to know whether entries count in its size) each time, though the share's open found the type of the share
 * root's file system: a directory on the same device is on that file system. Counted, not timed.
 */
class HiddenEntriesStatfsTest {
    private static final int GETATTRS = 50;

    @TempDir
    Path tmp;

    @Test
    void aDirectoryOnTheShareRootsDeviceCostsNoFstatfs() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/pub/vault]", "data")) {
            Files.createDirectories(gw.share("data").resolve("pub/vault/sub"));
            Files.createDirectories(gw.share("data").resolve("pub/d"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "pub");
                Attr first = guest.getattr(1, Attr.GETATTR_ALL);
                assertEquals(3, first.nlink(), "pub less its hidden subdirectory: itself, its '.' and d's '..'");
                long before = LinuxSyscalls.fstatfsCalls();
                for (int i = 0; i < GETATTRS; i++) {
                    guest.getattr(1, Attr.GETATTR_ALL);
                }
                assertEquals(0, LinuxSyscalls.fstatfsCalls() - before, "fstatfs calls for " + GETATTRS + " Tgetattr");
            }
        }
    }
}
