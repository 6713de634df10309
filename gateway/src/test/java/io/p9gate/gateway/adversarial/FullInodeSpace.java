package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Fills a tmpfs's inode space, which its files and their xattrs share, from the host. */
final class FullInodeSpace {
    private FullInodeSpace() {}

    /**
     * Host files in {@code dir} until no inode is left, then host xattrs on the first until no byte of the inode space
     * is either; returns the files, the first holding the xattrs. The xattrs {@code setAside} (names without "user.")
     * are written on the first file before, and removed after: room for exactly them.
     */
    static List<Path> fill(Path dir, Map<String, byte[]> setAside) throws IOException {
        List<Path> files = new ArrayList<>(List.of(Files.createFile(dir.resolve("f0"))));
        UserDefinedFileAttributeView xattrs =
                Files.getFileAttributeView(files.getFirst(), UserDefinedFileAttributeView.class);
        for (Map.Entry<String, byte[]> e : setAside.entrySet()) {
            xattrs.write(e.getKey(), ByteBuffer.wrap(e.getValue()));
        }
        try {
            for (int i = 1; ; i++) {
                files.add(Files.createFile(dir.resolve("f" + i)));
            }
        } catch (IOException full) {
            // no inode left
        }
        assumeTrue(files.size() > 2, "the tmpfs holds a few files");
        int n = 0;
        for (int size : new int[] {512, 256, 128, 64, 32, 16, 8, 4, 2, 1}) {
            try {
                while (true) {
                    xattrs.write("x" + n++, ByteBuffer.wrap(new byte[size]));
                }
            } catch (IOException noRoom) {
                // the next smaller size
            }
        }
        for (String name : setAside.keySet()) {
            xattrs.delete(name);
        }
        return files;
    }
}
