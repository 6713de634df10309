package io.p9gate.gateway.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** Two guests on one gateway at once (GuestIsolationIT, GuestFloodLatencyIT): starting them one after the other. */
final class GuestBoots {
    private GuestBoots() {}

    /**
     * Until the first guest's script runs (it made {@code ready}) or its run ended: run-guest.sh rebuilds its cached
     * initramfs when the harness changed, through one temporary file, so two runs started together both rebuilt it
     * and one failed ("cannot statx base-initramfs.cpio.gz.tmp").
     */
    static void awaitBoot(Path ready, CompletableFuture<GuestResult> first) throws InterruptedException {
        Instant until = Instant.now().plus(Duration.ofMinutes(3));
        while (!Files.exists(ready) && !first.isDone() && Instant.now().isBefore(until)) {
            Thread.sleep(100); // the guest is another machine: no latch reaches it
        }
    }

    /** One guest run on {@code socket}, for a CompletableFuture. */
    static GuestResult boot(GuestHarness harness, String label, Path socket, GuestRun run) {
        try {
            return harness.run(label, socket, run);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
