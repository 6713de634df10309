package io.p9gate.gateway.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the host holds after a guest run, for assertions. */
final class HostListing {
    private HostListing() {}

    /** The names in {@code dir} (not below it), sorted. */
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
