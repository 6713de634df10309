package io.p9gate.gateway.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** Two guests on one gateway at once (TwoGuestGateway): starting them one after the other, awaiting their steps. */
final class GuestBoots {
    private GuestBoots() {}

    /**
     * Until the first guest's script runs (it made {@code ready}) or its run ended: run-guest.sh rebuilds its cached
     * initramfs when the harness changed, through one temporary file, so two runs started together both rebuilt it
     * and one failed ("cannot statx base-initramfs.cpio.gz.tmp").
     */
    static void awaitBoot(Path ready, CompletableFuture<GuestResult> first) throws InterruptedException {
        awaitFile(ready, Duration.ofMinutes(3), first);
    }

    /** Until {@code file} exists (true), or {@code guest}'s run ended or {@code wait} passed (false). */
    static boolean awaitFile(Path file, Duration wait, CompletableFuture<GuestResult> guest)
            throws InterruptedException {
        Instant until = Instant.now().plus(wait);
        while (!Files.exists(file)) {
            if (guest.isDone() || Instant.now().isAfter(until)) {
                return false;
            }
            Thread.sleep(100); // the guest is another machine: no latch reaches it
        }
        return true;
    }
}
