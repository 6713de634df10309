package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.testing.DevShm;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A directory's qid version is its mtime alone (6ff4dbf9), and a tmpfs directory's size leaves hidden entries out
 * (d23d05ad): the real client, with cache=loose and cache=mmap, still sees what changes in a directory, on tmpfs
 * (where the size no longer goes into the version): twenty creates in one tick and {@code ls -l}, the host adding,
 * removing and renaming entries while the guest has the directory cached, the guest renaming a directory.
 */
class GuestDirectoryChangesIT {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cache=loose", "cache=mmap"})
    void theGuestSeesWhatChangesInADirectory(String cacheMode) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = DevShm.directory("p9gate-dirchanges");
        try {
            Files.createDirectories(share.resolve("h/sub"));
            Files.writeString(share.resolve("h/a"), "a");
            Files.writeString(share.resolve("h/b"), "b");
            Files.writeString(share.resolve("h/sub/inside"), "i");
            GatewayConfig config = new GatewayConfig(
                    List.of(ListenSpec.parse("tcp:127.0.0.1:0")),
                    new ShareServerFactory(Map.of("test", share)),
                    GatewayConfig.DEFAULT_MSIZE,
                    8,
                    SessionSettings.DEFAULT_MAX_OUTSTANDING);
            try (Gateway gateway = Gateway.start(config)) {
                CompletableFuture<Void> host = CompletableFuture.runAsync(() -> changeWhenReady(share));
                GuestResult result = harness.run(
                        "p9gate-dirchanges-" + cacheMode,
                        (InetSocketAddress) gateway.boundAddresses().getFirst(),
                        GuestRun.script(RepoPaths.guestScripts().resolve("directory-changes.sh"))
                                .withAname("test")
                                .withMountOpts(cacheMode)
                                .withTimeout(Duration.ofSeconds(180)));
                host.join();
                Map<String, String> want = new LinkedHashMap<>();
                want.put("same-tick-ls-l", "20");
                want.put("same-tick-ls", "20");
                want.put("host-before", "a,b,sub,");
                want.put("host-after", "b,new,sub2,");
                want.put("host-new", "new");
                want.put("host-moved", "inside,");
                want.put("host-ls-l", "3");
                want.put("renamed", "x,0");
                want.put("renamed-then-created", "2");
                Map<String, String> got = new LinkedHashMap<>();
                want.keySet().forEach(k -> got.put(k, result.marks().get(k)));
                assertEquals(want, got, result::describe);
                assertEquals(0, result.exitCode(), result::describe);
            }
        } finally {
            DevShm.delete(share);
        }
    }

    /** Once the guest has listed h (host-ready): h/a removed, h/new made, h/sub renamed to h/sub2; then go. */
    private static void changeWhenReady(Path share) {
        try {
            Instant until = Instant.now().plus(Duration.ofMinutes(3));
            while (!Files.exists(share.resolve("host-ready"))) {
                if (Instant.now().isAfter(until)) {
                    return; // the guest never got there; its output says why
                }
                Thread.sleep(50); // the guest is another machine: no latch reaches it
            }
            Files.delete(share.resolve("h/a"));
            Files.writeString(share.resolve("h/new"), "new");
            Files.move(share.resolve("h/sub"), share.resolve("h/sub2"));
            Files.createFile(share.resolve("go"));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
