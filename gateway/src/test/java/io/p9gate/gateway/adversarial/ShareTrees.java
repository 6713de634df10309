package io.p9gate.gateway.adversarial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** A host share tree for the dialect parity tests: emptied between cases, its entries described for comparison. */
final class ShareTrees {
    private ShareTrees() {}

    /** Removes everything below {@code share}, never following a symlink. */
    static void empty(Path share) throws IOException {
        try (Stream<Path> all = Files.walk(share)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(share)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** An entry's type (a regular file's with its size: "f10"; "l", "d", else "o") and permissions. */
    static String kindAndMode(Path p) throws IOException {
        String kind = Files.isSymbolicLink(p)
                ? "l"
                : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        ? "d"
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "f" + Files.size(p) : "o";
        return kind + ':' + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
