package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code MANIFEST} of a package: what it is (image, versions, runtime modules, install prefix, the policy's
 * digest as serve reports it and the audit log records it) and every entry of the tree with its mode, and for a
 * file its SHA-256 and size. One item per line, no blank line, so the text is also the body of a signed note
 * ({@code MANIFEST.sig}, {@link ManifestSignature}). Format: docs/deploy.md, "The manifest".
 */
final class Manifest {
    static final String FILE = "MANIFEST";
    static final String FORMAT = "p9gate-package 1";
    /** Header keys, in the order they are written. */
    static final List<String> KEYS = List.of("image", "version", "p9gate", "java", "modules", "prefix", "policy");

    private Manifest() {}

    /**
     * The manifest text of {@code entries} (in archive order).
     *
     * @param header values for {@link #KEYS}
     */
    static String write(Map<String, String> header, List<String> components, List<TreeEntry> entries)
            throws IOException {
        StringBuilder text = new StringBuilder(FORMAT).append('\n');
        for (String key : KEYS) {
            text.append(key).append(' ').append(header.get(key)).append('\n');
        }
        components.forEach(c -> text.append("component ").append(c).append('\n'));
        for (TreeEntry entry : entries) {
            text.append(
                            switch (entry) {
                                case TreeEntry.Directory dir -> "dir " + mode(dir.mode()) + " " + dir.path();
                                case TreeEntry.RegularFile file ->
                                    "file " + mode(file.mode()) + " " + sha256(file.source()) + " "
                                            + Files.size(file.source()) + " " + file.path();
                                case TreeEntry.Symlink link -> "link " + link.path() + " " + link.target();
                            })
                    .append('\n');
        }
        return text.toString();
    }

    /** What a manifest says: its header and its entries by path. */
    record Parsed(Map<String, String> header, Map<String, String[]> entries) {}

    static Parsed parse(String text) throws PackagingException {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.getFirst().equals(FORMAT)) {
            throw new PackagingException("not a p9gate package manifest (first line is not '" + FORMAT + "')");
        }
        Map<String, String> header = new LinkedHashMap<>();
        Map<String, String[]> entries = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            String kind = f[0];
            boolean wellFormed = switch (kind) {
                case "dir" -> f.length == 3;
                case "file" -> f.length == 5;
                case "link" -> f.length == 3;
                case "component" -> true;
                default -> KEYS.contains(kind) && f.length >= 2;
            };
            if (!wellFormed) {
                throw new PackagingException("malformed manifest line: " + line);
            }
            switch (kind) {
                case "dir", "file" -> entries.put(f[f.length - 1], f);
                case "link" -> entries.put(f[1], f);
                case "component" -> {}
                default -> header.put(kind, line.substring(kind.length() + 1));
            }
        }
        return new Parsed(header, entries);
    }

    /** Every way the tree under {@code root} differs from the manifest; empty when it matches. */
    static List<String> differences(Parsed manifest, Path root) throws IOException {
        List<String> problems = new ArrayList<>();
        for (var e : manifest.entries().entrySet()) {
            String path = e.getKey();
            String[] f = e.getValue();
            Path p = root.resolve(path);
            PosixFileAttributes attrs;
            try {
                attrs = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                problems.add(path + ": missing");
                continue;
            }
            switch (f[0]) {
                case "dir" -> {
                    if (!attrs.isDirectory()) {
                        problems.add(path + ": not a directory");
                    } else if (!mode(attrs.permissions()).equals(f[1])) {
                        problems.add(path + ": mode " + mode(attrs.permissions()) + ", manifest says " + f[1]);
                    }
                }
                case "file" -> {
                    if (!attrs.isRegularFile()) {
                        problems.add(path + ": not a regular file");
                    } else if (!mode(attrs.permissions()).equals(f[1])) {
                        problems.add(path + ": mode " + mode(attrs.permissions()) + ", manifest says " + f[1]);
                    } else if (attrs.size() != Long.parseLong(f[3])
                            || !sha256(p).equals(f[2])) {
                        problems.add(path + ": content differs (sha256 " + sha256(p) + ", manifest says " + f[2] + ")");
                    }
                }
                default -> {
                    if (!attrs.isSymbolicLink()
                            || !Files.readSymbolicLink(p).toString().equals(f[2])) {
                        problems.add(path + ": not a link to " + f[2]);
                    }
                }
            }
        }
        Set<String> listed = new TreeSet<>(manifest.entries().keySet());
        listed.add(FILE);
        listed.add(ManifestSignature.FILE);
        try (Stream<Path> tree = Files.walk(root)) {
            tree.filter(p -> !p.equals(root))
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .filter(path -> !listed.contains(path))
                    .forEach(path -> problems.add(path + ": not in the manifest"));
        }
        return problems;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String mode(int mode) {
        return String.format("%04o", mode);
    }

    private static String mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = bit 8 (0400) ... OTHERS_EXECUTE = bit 0
        }
        return mode(mode);
    }
}
