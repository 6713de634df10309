package io.p9gate.gateway.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The host tree of {@link PolicyFuzzTest}: {@link FuzzTree}'s entries plus one place for each kind of rule of the
 * hostile VM's policy, and the well-behaved VM's share {@code /w} inside it. Every secret (hidden file content,
 * names, xattr names and values, symlink targets, the drop box's letter) carries {@link #SECRET}, so a reply that
 * holds any of it is found by one search.
 */
final class HostileTree {
    /** In every byte the hostile VM must never see; random data does not make it. */
    static final String SECRET = "S3CR3T";

    /** Hidden from the hostile VM (the {@code ghost}s and {@code /w/nohere} are hidden and missing). */
    static final List<String> HIDDEN = List.of("/vault", "/ghost", "/w/private", "/w/nohere");
    /** Read-only for the hostile VM; {@code /w/gw} is where the well-behaved VM works. */
    static final List<String> READ_ONLY = List.of("/d", "/w/cfg", "/w/gw");
    /** The subtrees whose every byte, mode, owner, xattr and link count the hostile VM must leave alone. */
    static final List<String> PROTECTED = List.of("vault", "d", "w/cfg", "w/private");

    static final String QUOTA = "q";
    static final long QUOTA_BYTES = 256 * 1024;
    static final long QUOTA_INODES = 8;
    /** The well-behaved VM's configuration file and its content, as it must keep reading it. */
    static final String GOOD_CONF = "good configuration\n";

    private HostileTree() {}

    static Path make(Path dir, long seed) throws IOException {
        Random random = new Random(seed ^ 0x5eed);
        FuzzTree.make(dir, seed);
        Path vault = Files.createDirectories(dir.resolve("vault"));
        Files.write(vault.resolve("key"), secret(random, 3000));
        Files.write(vault.resolve(SECRET + "-name"), secret(random, 100));
        Files.createDirectories(vault.resolve("inner"));
        Files.write(vault.resolve("inner/deep"), secret(random, 50));
        Files.createSymbolicLink(vault.resolve("lnk"), Path.of(SECRET + "-target"));
        xattr(vault.resolve("key"), "user." + SECRET, SECRET + "-value");
        xattr(vault, "user.k", SECRET + "-dir-value");
        Files.createDirectories(dir.resolve("d/sub"));
        xattr(dir.resolve("d/e"), "user.k", "read-only value");
        Path drop = Files.createDirectories(dir.resolve("drop"));
        Files.write(drop.resolve("letter"), secret(random, 2000));
        Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\necho protected script\n");
        Files.createDirectories(dir.resolve(QUOTA));
        Files.write(dir.resolve(QUOTA + "/seed"), new byte[4096]);
        // Links whose targets lead into protected places: the walk must not follow them, an open must not either.
        Files.createSymbolicLink(dir.resolve("tok"), Path.of("vault/key"));
        Files.createSymbolicLink(dir.resolve("tov"), Path.of("vault"));
        Files.createSymbolicLink(dir.resolve("tod"), Path.of("d"));
        Files.createSymbolicLink(dir.resolve("toletter"), Path.of("drop/letter"));
        Path w = Files.createDirectories(dir.resolve("w"));
        Files.createDirectories(w.resolve("cfg"));
        Files.writeString(w.resolve("cfg/conf"), GOOD_CONF);
        Files.createDirectories(w.resolve("gw"));
        Files.createDirectories(w.resolve("pub"));
        Files.writeString(w.resolve("pub/shared"), "shared by both VMs");
        Path priv = Files.createDirectories(w.resolve("private"));
        Files.write(priv.resolve("note"), secret(random, 500));
        xattr(priv.resolve("note"), "user.k", SECRET + "-note");
        return dir;
    }

    /** Random bytes with the secret mark every 32 bytes: any read of 38 bytes or more holds one whole. */
    private static byte[] secret(Random random, int size) {
        byte[] out = new byte[size];
        random.nextBytes(out);
        byte[] mark = SECRET.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + mark.length <= size; i += 32) {
            System.arraycopy(mark, 0, out, i, mark.length);
        }
        return out;
    }

    private static void xattr(Path p, String name, String value) throws IOException {
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class)
                .write(name.substring("user.".length()), ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Inode numbers of everything the hostile VM must not see (as Linux qids carry them, in their low 56 bits). */
    static Set<Long> hiddenInodes(Path root) throws IOException {
        Set<Long> out = new HashSet<>();
        for (String h : HIDDEN) {
            Path top = root.resolve(h.substring(1));
            if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> all = Files.walk(top)) {
                for (Path p : all.toList()) {
                    out.add((Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        return out;
    }

    /**
     * Path -> everything about each entry of {@code places} (such as {@link #PROTECTED}) a change would show: inode,
     * type, mode, owner, links, bytes, xattrs.
     */
    static Map<String, String> protectedShape(Path root, List<String> places) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String top : places) {
            try (Stream<Path> all = Files.walk(root.resolve(top))) {
                for (Path p : all.toList()) {
                    out.put(root.relativize(p).toString(), describe(p));
                }
            }
        }
        return out;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,mode,size,nlink,uid,gid", LinkOption.NOFOLLOW_LINKS);
        StringBuilder s = new StringBuilder(String.format(
                "ino=%s mode=%o nlink=%s uid=%s gid=%s size=%s",
                a.get("ino"), a.get("mode"), a.get("nlink"), a.get("uid"), a.get("gid"), a.get("size")));
        if (Files.isSymbolicLink(p)) {
            return s.append(" -> ").append(Files.readSymbolicLink(p)).toString();
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            s.append(" sha=").append(FuzzTree.digest(Files.readAllBytes(p)));
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        for (String name : new java.util.TreeSet<>(view.list())) {
            s.append(" user.")
                    .append(name)
                    .append('=')
                    .append(FuzzTree.digest(read(view, name).getBytes(StandardCharsets.ISO_8859_1)));
        }
        return s.toString();
    }

    /** Inode -> {uid, gid} of every entry in the tree now, and a path of it. */
    static Map<Long, long[]> owners(Path root, Map<Long, String> paths) throws IOException {
        Map<Long, long[]> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                long ino = (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                out.put(ino, hostOwner(p));
                paths.put(ino, root.relativize(p).toString());
            }
        }
        return out;
    }

    /**
     * The host owner the gateway gave {@code p}: its xattrs where it keeps ownership in them (docs/policy.md, "uid/gid
     * mapping in the gateway"), the inode's otherwise.
     */
    static long[] hostOwner(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
        String uid = String.valueOf(a.get("uid"));
        String gid = String.valueOf(a.get("gid"));
        // Linux keeps user xattrs on regular files and directories only (and opening a socket to read them fails).
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            List<String> names = view.list();
            uid = names.contains("p9gate.host-uid") ? read(view, "p9gate.host-uid") : uid;
            gid = names.contains("p9gate.host-gid") ? read(view, "p9gate.host-gid") : gid;
        }
        return new long[] {Long.parseLong(uid), Long.parseLong(gid)};
    }

    private static String read(UserDefinedFileAttributeView view, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        return new String(buf.array(), StandardCharsets.ISO_8859_1).trim();
    }

    /**
     * The quota scope's usage counted afresh: each regular file's size once per inode, one inode per entry below the
     * scope's root (docs/policy.md, "Quotas").
     */
    static long[] recount(Path scope) throws IOException {
        long bytes = 0;
        long inodes = 0;
        Set<Long> seen = new HashSet<>();
        try (Stream<Path> all = Files.walk(scope)) {
            for (Path p : all.toList()) {
                if (p.equals(scope)) {
                    continue;
                }
                inodes++;
                Map<String, Object> a = Files.readAttributes(p, "unix:ino,size", LinkOption.NOFOLLOW_LINKS);
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && seen.add((Long) a.get("ino"))) {
                    bytes += (Long) a.get("size");
                }
            }
        }
        return new long[] {bytes, inodes};
    }

    /** Entries of the directory on the host, by name. */
    static List<String> names(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> all = Files.list(dir)) {
            all.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }
}
