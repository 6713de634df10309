package io.p9gate.gateway.guest;

import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Prepares a run of {@code posix.sh} (R-PROTO-6): compiles its static helper,
 * fills the readdir fixture on the host side of the share, and adds the tools
 * posix.sh needs to the guest.
 */
public final class PosixScript {
    /** Entries in the readdir check (R-PROTO-6 asks for 100k on real hardware; 10k keeps TCG runs short). */
    public static final int READDIR_ENTRIES = 10_000;

    public static final String READDIR_FIXTURE = "readdir-fixture";
    /** posix.sh's number of checks; a run that prints fewer stopped early. */
    public static final int CHECK_COUNT = 29;

    private static final List<Path> TOOLS =
            List.of(Path.of("/usr/bin/flock"), Path.of("/usr/bin/setfattr"), Path.of("/usr/bin/getfattr"));

    private PosixScript() {}

    /**
     * A directory on the host that a guest can be pointed at: world-traversable
     * (the kernel's first attach is "nobody"), holding the readdir fixture.
     */
    public static Path newShare(Path parent) throws IOException {
        Path share = traversableDir(parent.resolve("share"));
        Path fixture = Files.createDirectory(share.resolve(READDIR_FIXTURE));
        for (int i = 0; i < READDIR_ENTRIES; i++) {
            Files.createFile(fixture.resolve("e" + i));
        }
        return share;
    }

    /**
     * A gateway without policy or audit serving {@code share} as "test" on a loopback port.
     */
    static Gateway gatewayFor(Path share) throws Exception {
        return gatewayFor(share, ShareSafety.NONE);
    }

    /** As {@link #gatewayFor(Path)}, with {@code safety}'s device nodes and host permission checks. */
    static Gateway gatewayFor(Path share, ShareSafety safety) throws Exception {
        return Gateway.start(new GatewayConfig(
                List.of(ListenSpec.parse("tcp:127.0.0.1:0")),
                new ShareServerFactory(Map.of("test", share), new AllowAll(), new NoAudit(), safety),
                GatewayConfig.DEFAULT_MSIZE,
                8,
                SessionSettings.DEFAULT_MAX_OUTSTANDING));
    }

    /** Creates {@code dir} with mode 0755 and makes its parent traversable too (JUnit's @TempDir is 0700). */
    public static Path traversableDir(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** The run: posix.sh, its helper and tools, the fixture's name and size. */
    public static GuestRun run() throws IOException, InterruptedException {
        Path helper = compileHelper();
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("posix.sh"))
                .withTimeout(Duration.ofMinutes(5))
                .withBin(helper)
                .withEnv("POSIX_HELPER", helper.toString())
                .withEnv("READDIR_DIR", READDIR_FIXTURE)
                .withEnv("READDIR_N", Integer.toString(READDIR_ENTRIES));
        for (Path tool : TOOLS) {
            run = run.withBin(tool);
        }
        return run;
    }

    /** posix-helper.c, built on the host (the guest has no compiler). */
    static Path compileHelper() throws IOException, InterruptedException {
        return HostBuild.guestBinary("posix-helper");
    }
}
