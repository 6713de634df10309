package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A Ctrl-C or SIGTERM while the run writes into its staging tree (the native libraries, the launcher, the manifest
 * after jlink): the JVM's main thread goes on writing while the stop hook removes the tree, until the JVM halts. The
 * hook's passes go on until the tree is gone (five passes left it once in a full suite run on a loaded machine), which
 * PackageStopAttackTest's real SIGTERM meets only by chance.
 */
class StagingDirectoryStopTest {
    @Test
    void aRunWritingOnWhileTheHookRemovesTheTreeLeavesNoTree() throws Exception {
        StagingDirectory staging = new StagingDirectory();
        Path root = staging.root();
        AtomicBoolean halted = new AtomicBoolean();
        Thread run = Thread.ofPlatform().start(() -> {
            for (long i = 0; !halted.get(); i++) {
                try {
                    Files.writeString(root.resolve("lib-" + i + ".so"), "native library");
                } catch (IOException e) {
                    // the tree is gone: what the run meets after a stop
                }
            }
        });
        boolean left;
        try {
            Thread.sleep(50);
            staging.stopped(); // what the shutdown hook runs on Ctrl-C or SIGTERM, on its own thread
            Thread.sleep(50); // the run's thread goes on until the JVM halts
        } finally {
            halted.set(true);
            run.join();
            left = Files.exists(root); // before close, which would remove it where a halt does not
            staging.close();
        }
        assertFalse(left, "the staging tree was left after the stop: " + root);
    }
}
