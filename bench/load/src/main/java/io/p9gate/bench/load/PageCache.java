package io.p9gate.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Empties the host's page cache between writing and reading the file back, so that the read
 * comes from the disk for every server alike. Needs root; without it both servers read from the
 * page cache alike, and the caller says so.
 */
final class PageCache {
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    private PageCache() {}

    /** @return true if the cache was dropped */
    static boolean drop() {
        if (!Files.isWritable(DROP_CACHES)) {
            return false;
        }
        try {
            // Dirty pages are not dropped: write them back first.
            Process sync = new ProcessBuilder("sync").inheritIO().start();
            if (sync.waitFor() != 0) {
                return false;
            }
            Files.writeString(DROP_CACHES, "3\n");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
