package io.p9gate.gateway.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The fresh tree every server of a run starts from (the same bytes for one seed), and a tree's comparable shape. */
final class FuzzTree {
    private FuzzTree() {}

    static Path make(Path dir, long seed) throws IOException {
        Random random = new Random(seed);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        byte[] a = new byte[1000 + random.nextInt(9000)];
        random.nextBytes(a);
        Files.write(dir.resolve("a"), a);
        Files.write(dir.resolve("b"), new byte[0]);
        Files.writeString(dir.resolve("f.txt"), "text " + seed + "\n");
        Path d = Files.createDirectories(dir.resolve("d"));
        Files.writeString(d.resolve("e"), "hello");
        Files.createDirectories(d.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("l"), Path.of("a"));
        Files.createSymbolicLink(dir.resolve("dl"), Path.of("d"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nope"));
        return dir;
    }

    /**
     * Path -> type, mode, size, link count, content digest or link target, user xattrs (not the gateway's own
     * {@code user.p9gate.*}, kept for the guest's set-id bits and ownership). Times and inode numbers are not
     * compared: they differ between any two trees.
     */
    static Map<String, String> shape(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                out.put(root.relativize(p).toString(), describe(p));
            }
        }
        return out;
    }

    /**
     * A shape whose regular files show no set-uid or set-gid bit: p9gate never gives a host file one (fs.GuestModes,
     * it keeps a guest's in an xattr), diod's chmod(2) and open(2) as root keep them.
     */
    static Map<String, String> withoutFileSetIds(Map<String, String> shape) {
        Map<String, String> out = new TreeMap<>();
        java.util.regex.Pattern file = java.util.regex.Pattern.compile("^mode=10([0-7]{4})");
        shape.forEach((k, v) -> out.put(
                k,
                file.matcher(v)
                        .replaceFirst(m ->
                                "mode=10" + String.format("%04o", Integer.parseInt(m.group(1), 8) & ~06000))));
        return out;
    }

    static Map<String, String> withoutIds(Map<String, String> shape) {
        Map<String, String> out = new TreeMap<>();
        shape.forEach((k, v) -> out.put(k, Target.withoutIds(v)));
        return out;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,nlink,uid,gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        StringBuilder s = new StringBuilder(
                String.format("mode=%o nlink=%s uid=%s gid=%s", mode, a.get("nlink"), a.get("uid"), a.get("gid")));
        if (Files.isSymbolicLink(p)) {
            s.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            s.append(" size=").append(a.get("size")).append(" sha=").append(contentDigest(p, (Long) a.get("size")));
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            s.append(" xattrs=").append(userXattrs(p));
        }
        return s.toString();
    }

    private static Map<String, String> userXattrs(Path p) throws IOException {
        var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        Map<String, String> out = new TreeMap<>();
        for (String name : view.list()) {
            if (name.startsWith("p9gate.")) {
                continue;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(view.size(name));
            view.read(name, buf);
            out.put(name, digest(buf.array()));
        }
        return out;
    }

    /** The first MiB and the last 64 KiB: a write far past the end makes a sparse file of up to 2^63 bytes. */
    private static String contentDigest(Path p, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p)) {
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate((int) Math.min(size, 1 << 20));
            ch.read(head, 0);
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate((int) Math.min(size, 1 << 16));
            ch.read(tail, size - tail.capacity());
            return digest(head.array()) + digest(tail.array());
        }
    }

    static String digest(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
        java.util.Set<String> keys = new java.util.TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        return keys.stream()
                .filter(k -> !java.util.Objects.equals(expected.get(k), actual.get(k)))
                .map(k -> k + ": " + expected.get(k) + " | " + actual.get(k))
                .toList();
    }
}
