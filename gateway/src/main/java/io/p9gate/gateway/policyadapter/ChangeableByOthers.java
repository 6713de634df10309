package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.protect.ShareReach;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Whether a host user other than root and the gateway's own user can change a file or a directory: its owner may
 * (and may chmod it), and so may its group and others if they may write it. A directory's entries may also be
 * renamed or replaced by anyone who may write the directory, unless it is sticky (then only by an entry's owner). A
 * file the gateway trusts (its policy, the CA that says which certificate is a VM's, a key) is only as safe as
 * itself and every directory above it, up to {@code /}.
 */
public final class ChangeableByOthers {
    private ChangeableByOthers() {}

    /**
     * Why another user can change {@code file} or replace it through a directory above it (of its path as given, of
     * its real path if a link leads elsewhere, and of each link on the way): one reason per file or directory; none
     * if nobody else can.
     */
    public static List<String> fileAndItsDirectories(Path file) {
        List<String> why = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        Path given = file.toAbsolutePath().normalize();
        checkFile(given, seen, why);
        describeDirectoriesAbove(given, seen, why);
        try {
            // Resolved as written, not normalized: the kernel follows a link before a ".." after it, so LINK/../f is
            // opened above the link's target, not beside the link (ProductionTrustFilesAttackTest).
            Path real = file.toAbsolutePath().toRealPath();
            if (!real.equals(given)) {
                checkFile(real, seen, why);
                describeDirectoriesAbove(real, seen, why);
            }
        } catch (IOException e) {
            // A file that does not resolve is refused by whoever reads it, saying why.
        }
        // Every directory the kernel looks a name up in, a link's in the middle of a chain too: a link in a directory
        // others may write is theirs to point elsewhere, and neither the path nor where it ends shows that directory
        // (ProductionTrustFilesAttackTest).
        try {
            for (Path dir : directoriesLookedUpIn(file.toAbsolutePath(), true)) {
                if (seen.add(dir)) {
                    directory(dir).ifPresent(reasons -> why.add("directory " + dir + " on the way to it: " + reasons));
                }
            }
        } catch (FileSystemLoopException e) {
            why.add(TOO_MANY_LINKS);
        }
        return why;
    }

    /** Why another user can change {@code dir} or what it holds; empty if nobody else can, or it cannot be read. */
    public static Optional<String> directory(Path dir) {
        List<String> reasons = reasons(dir, true);
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join(", and ", reasons));
    }

    /**
     * Each directory above {@code path} (its own, up to {@code /}) that another user can change, with why
     * ({@link #directory}), nearest first: of its path as given, then, if a link on the way leads elsewhere, of where its
     * directory really is (a socket's directory linked into one others may write was let through:
     * cli.ProductionSocketAnyUserAttackTest). Directories already in {@code seen} are skipped, the others added.
     */
    public static Map<Path, String> directoriesAbove(Path path, Set<Path> seen) {
        Map<Path, String> found = new LinkedHashMap<>();
        Path given = path.toAbsolutePath().normalize();
        addDirectoriesFrom(given.getParent(), seen, found);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            try {
                // Resolved as written, not normalized: the kernel follows a link before a ".." after it, so
                // LINK/../s is bound above the link's target, not beside the link (ProductionSocketAnyUserAttackTest).
                addDirectoriesFrom(parent.toRealPath(), seen, found);
            } catch (IOException e) {
                // A directory that does not resolve is refused by the bind, saying why.
            }
        }
        // And the directory of every link on the way, a chain's middle ones too, which neither path shows.
        try {
            for (Path dir : directoriesLookedUpIn(path.toAbsolutePath(), false)) {
                if (seen.add(dir)) {
                    directory(dir).ifPresent(why -> found.put(dir, why));
                }
            }
        } catch (FileSystemLoopException e) {
            found.put(given, TOO_MANY_LINKS);
        }
        return found;
    }

    /** Why a path whose walk ran out of links is not passed: the directories past them were never looked at. */
    public static final String TOO_MANY_LINKS = "more than " + ShareReach.MAX_SYMLINKS
            + " symbolic links on the way to it, past which nobody checked who may change them";

    /**
     * Each directory the kernel looks a name up in when it resolves the absolute {@code path} as written: those of
     * the path, and, where a symbolic link on the way leads elsewhere, those of its target, link after link. Whoever
     * may write one of them may replace the name it holds. The last name is followed if {@code followLast} (a file
     * opened), not otherwise (a socket bound there). A name that cannot be read ends the walk: whoever opens it says
     * why.
     *
     * @throws FileSystemLoopException more than the kernel's 40 links on the way: the rest is not checked
     */
    static List<Path> directoriesLookedUpIn(Path path, boolean followLast) throws FileSystemLoopException {
        return directoriesLookedUpIn(path, followLast, link -> {});
    }

    /**
     * As {@link #directoriesLookedUpIn(Path, boolean)}, each symbolic link followed on the way given to {@code
     * linksMet} as it is met (its owner may point it elsewhere). Name by name as the kernel walks: a ".." after a
     * link goes above the link's target, not beside the link. Past the kernel's 40 links it fails, not passes: what
     * lies beyond them was never looked at (treated as a directory, a 41st link's target went unchecked).
     *
     * @throws FileSystemLoopException more than 40 links on the way
     */
    public static List<Path> directoriesLookedUpIn(Path path, boolean followLast, Consumer<Path> linksMet)
            throws FileSystemLoopException {
        Set<Path> dirs = new LinkedHashSet<>();
        Deque<Path> names = new ArrayDeque<>();
        path.forEach(names::addLast);
        Path root = path.getRoot();
        Path at = root;
        int links = 0;
        while (!names.isEmpty()) {
            String name = names.pollFirst().toString();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                at = at.getParent() == null ? at : at.getParent(); // at never holds a link: its parent is real
                continue;
            }
            dirs.add(at);
            Path next = at.resolve(name);
            if ((followLast || !names.isEmpty()) && Files.isSymbolicLink(next)) {
                if (++links > ShareReach.MAX_SYMLINKS) {
                    throw new FileSystemLoopException(path.toString());
                }
                Path target;
                try {
                    target = Files.readSymbolicLink(next);
                } catch (IOException e) {
                    break;
                }
                linksMet.accept(next);
                List<Path> targetNames = new ArrayList<>();
                target.forEach(targetNames::add);
                for (int i = targetNames.size() - 1; i >= 0; i--) {
                    names.addFirst(targetNames.get(i));
                }
                if (target.isAbsolute()) {
                    at = root;
                }
            } else {
                at = next;
            }
        }
        return List.copyOf(dirs);
    }

    private static void addDirectoriesFrom(Path first, Set<Path> seen, Map<Path, String> found) {
        for (Path dir = first; dir != null; dir = dir.getParent()) {
            if (seen.add(dir)) {
                Path checked = dir;
                directory(checked).ifPresent(why -> found.put(checked, why));
            }
        }
    }

    private static void describeDirectoriesAbove(Path path, Set<Path> seen, List<String> why) {
        directoriesAbove(path, seen).forEach((dir, reasons) -> why.add("directory " + dir + " above it: " + reasons));
    }

    private static void checkFile(Path path, Set<Path> seen, List<String> why) {
        if (seen.add(path)) {
            List<String> reasons = reasons(path, false);
            if (!reasons.isEmpty()) {
                why.add(String.join(", and ", reasons));
            }
        }
    }

    private static List<String> reasons(Path path, boolean isDirectory) {
        PosixFileAttributes a;
        int mode;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class);
            mode = (Integer) Files.getAttribute(path, "unix:mode");
        } catch (IOException | UnsupportedOperationException e) {
            return List.of(); // one that cannot be read is reported by whoever opens it
        }
        List<String> reasons = new ArrayList<>();
        String owner = a.owner().getName();
        if (!owner.equals("root") && !owner.equals(System.getProperty("user.name"))) {
            reasons.add("it is owned by " + owner);
        }
        Set<PosixFilePermission> p = a.permissions();
        boolean othersWrite =
                p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
        boolean sticky = (mode & 01000) != 0;
        if (othersWrite && !(isDirectory && sticky)) {
            reasons.add("mode " + PosixFilePermissions.toString(p) + " lets its group or others write it"
                    + (isDirectory ? ", without the sticky bit" : ""));
        }
        return reasons;
    }
}
