package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A file the guest wrote and read through its caches (cache=loose, cache=mmap), then truncated by the host to 1000
 * bytes (gateway/src/test/guest/host-truncate.sh): what the guest sees before and after dropping its caches, and after
 * appending, on p9gate (VM alpha) is what it sees on diod, and once the caches are dropped it is the host's file.
 */
class GuestHostTruncateIT {
    private static final int KEPT = 1000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"cache=loose", "cache=mmap"})
    void theGuestSeesAHostTruncationAsOnDiod(String cache) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "host-truncate.sh"))
                .withMountOpts(cache)
                .withTimeout(Duration.ofSeconds(180));

        Path export = Files.createDirectories(tmp.resolve("diod/export"));
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                tmp.resolve("diod"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        GuestResult onDiod;
        try (DiodServer diod = DiodServer.start(export, tmp.resolve("diod/diod.log"))) {
            CompletableFuture<Void> host = CompletableFuture.runAsync(() -> truncateWhenReady(export));
            onDiod = harness.run("diod-host-truncate-" + cache, diod.address(), run.withAname(diod.aname()));
            host.get(1, TimeUnit.MINUTES);
        }
        SignedAlpha alpha = SignedAlpha.in(Files.createDirectories(tmp.resolve("p9gate")));
        GuestResult onGateway =
                alpha.run(harness, "p9gate-host-truncate-" + cache, run, _ -> truncateWhenReady(alpha.fixture().data));

        Map<String, String> want = onDiod.marks();
        assertTrue(want.containsKey("done"), onDiod::describe);
        assertEquals("yes", want.get("host-done"), onDiod::describe);
        String kept = want.get("after-drop");
        assertTrue(kept.startsWith(KEPT + " " + KEPT + " "), onDiod::describe);
        ExpectedMarks.assertMarks(want, onGateway.marks(), onGateway::describe);
        assertEquals(0, onGateway.exitCode(), onGateway::describe);
        assertEquals(
                "a".repeat(KEPT) + "b\n", Files.readString(alpha.fixture().data.resolve("t")));
    }

    /** Once the guest made trunc-ready: t truncated to KEPT bytes on the host, then trunc-done. */
    private static void truncateWhenReady(Path dir) {
        try {
            if (!GuestSignal.appeared(dir.resolve("trunc-ready"), Duration.ofMinutes(3))) {
                return;
            }
            try (FileChannel t = FileChannel.open(dir.resolve("t"), StandardOpenOption.WRITE)) {
                t.truncate(KEPT);
            }
            Files.createFile(dir.resolve("trunc-done"));
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }
}
