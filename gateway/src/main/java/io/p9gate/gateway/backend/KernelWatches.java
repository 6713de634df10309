package io.p9gate.gateway.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The watch descriptors the kernel holds for one inotify instance of this process, as {@code /proc/self/fdinfo} lists
 * them ({@code inotify wd:<hex> ino:<hex> sdev:<hex> ...}, one line a watch, since Linux 3.8). A watch listed pins its
 * directory's inode, so its descriptor still names the directory it was given for: the kernel's word on which watches
 * survived events that were lost.
 */
record KernelWatches(Set<Integer> descriptors) {
    private static final String WATCH = "inotify wd:";

    KernelWatches {
        descriptors = Set.copyOf(descriptors);
    }

    /**
     * The watches of instance {@code fd}.
     *
     * @throws IOException if /proc cannot be read, or lists the watches in a form not known here
     */
    static KernelWatches of(int fd) throws IOException {
        Set<Integer> wds = new HashSet<>();
        // By line: Files.readString trusts the size /proc reports.
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith(WATCH)) {
                int end = line.indexOf(' ', WATCH.length());
                try {
                    wds.add(Integer.parseInt(line.substring(WATCH.length(), end < 0 ? line.length() : end), 16));
                } catch (NumberFormatException e) {
                    throw new IOException("an inotify watch listed as " + line, e);
                }
            }
        }
        return new KernelWatches(wds);
    }

    boolean holds(int wd) {
        return descriptors.contains(wd);
    }
}
