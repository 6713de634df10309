package io.p9gate.gateway.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** A file a guest script makes in its share to tell the host it got somewhere. */
public final class GuestSignal {
    private GuestSignal() {}

    /** Whether {@code file} appeared within {@code wait}; if not, the guest's output says why. */
    public static boolean appeared(Path file, Duration wait) throws InterruptedException {
        Instant until = Instant.now().plus(wait);
        while (!Files.exists(file)) {
            if (Instant.now().isAfter(until)) {
                return false;
            }
            Thread.sleep(50); // the guest is another machine: no latch reaches it
        }
        return true;
    }
}
