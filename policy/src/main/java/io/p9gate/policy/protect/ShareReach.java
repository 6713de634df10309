package io.p9gate.policy.protect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a share directory reaches a piece of the gateway's state (R-POL-9): the share is the state's
 * directory, lies inside it or contains it, in any of the ways the host can arrange that:
 * <ul>
 *   <li>by path, as written and with symlinks resolved (a symlinked share directory, a symlinked state path);</li>
 *   <li>by being the same directory under another path: a bind mount of the state's directory, of one of
 *       its ancestors or of one of its subdirectories, compared as (filesystem, path inside it) from the
 *       mount table and, where the table says nothing, as (st_dev, st_ino) of the directories above;</li>
 *   <li>through a mount below the share that shows the state's directory or an ancestor of it.</li>
 * </ul>
 * Symlinks inside a share do not count: the gateway never follows one. A regular state file with several
 * hard links is reported on its own ({@link #hardLinks}): its other names could lie anywhere.
 */
public final class ShareReach {
    /**
     * The kernel's bound on the symlinks one lookup follows (MAXSYMLINKS, ELOOP past it): every walk of the host's
     * links that answers as a lookup would uses this one.
     */
    public static final int MAX_SYMLINKS = 40;

    private final Mounts mounts;
    // What the host says of each path, asked once per check: a configuration compares every share with every
    // piece of state (a socket per VM), and asking again per pair made a policy of 3,000 VMs take most of an hour.
    private final Map<Path, Path> realPaths = new HashMap<>();
    private final Map<Path, Boolean> directories = new HashMap<>();
    private final Map<Path, List<Object>> ancestorKeys = new HashMap<>();
    private final Map<Path, Optional<Object>> keys = new HashMap<>();
    private final Map<Path, Optional<Object>> directoryKeys = new HashMap<>();
    private final Map<Path, Optional<Mounts.FsLocation>> locations = new HashMap<>();
    private final Map<Path, List<Mounts.Mount>> mountsBelow = new HashMap<>();

    ShareReach(Mounts mounts) {
        this.mounts = mounts;
    }

    /** With the mount table as it is now (read once: build one per check of a whole configuration). */
    public static ShareReach now() {
        return new ShareReach(Mounts.current());
    }

    /**
     * How {@code shareDir} reaches {@code state}, e.g. "contains the audit signing key /srv/a/k/audit.key", or
     * empty if it does not.
     */
    public Optional<String> of(Path shareDir, StatePath state) {
        Path share = shareDir.toAbsolutePath().normalize();
        Path target = state.path().toAbsolutePath().normalize();
        Path realShare = realPaths.computeIfAbsent(share, ShareReach::realOfExistingPrefix);
        Path realTarget = realPaths.computeIfAbsent(target, ShareReach::realOfExistingPrefix);
        Optional<String> how = byPath(share, target, state, "")
                .or(() -> byPath(realShare, realTarget, state, " (after resolving symlinks)"));
        if (how.isPresent() || !directory(realShare)) {
            return how;
        }
        return byFilesystem(realShare, realTarget, state).or(() -> byInode(realShare, realTarget, state));
    }

    /** A regular state file with more than one name: any other name could lie inside a share. */
    public static Optional<String> hardLinks(StatePath state) {
        try {
            if (!Files.isRegularFile(state.path(), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            int links = ((Number) Files.getAttribute(state.path(), "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
            return links > 1
                    ? Optional.of("the " + state + " has " + links
                            + " hard links: another name of it could lie inside a share")
                    : Optional.empty();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> byPath(Path share, Path target, StatePath state, String note) {
        if (target.startsWith(share)) {
            return Optional.of("contains the " + state + note);
        }
        if (share.startsWith(target)) {
            return Optional.of("lies inside the " + state + note);
        }
        return Optional.empty();
    }

    /** Bind mounts: the share and the state compared where their filesystem has them. */
    private Optional<String> byFilesystem(Path share, Path target, StatePath state) {
        Optional<Mounts.FsLocation> s = locations.computeIfAbsent(share, mounts::locate);
        Optional<Mounts.FsLocation> t = locations.computeIfAbsent(target, mounts::locate);
        if (s.isEmpty() || t.isEmpty()) {
            return Optional.empty();
        }
        if (t.get().within(s.get())) {
            return Optional.of("contains the " + state + " (the share is "
                    + s.get().inFs() + " of filesystem " + s.get().device() + ", mounted again at "
                    + s.get().mount().point() + ")");
        }
        if (s.get().within(t.get())) {
            return Optional.of("lies inside the " + state + " (the share is "
                    + s.get().inFs() + " of filesystem " + s.get().device() + ", mounted again at "
                    + s.get().mount().point() + ")");
        }
        for (Mounts.Mount below : mountsBelow.computeIfAbsent(share, mounts::below)) {
            Mounts.FsLocation shown = new Mounts.FsLocation(below.device(), below.root(), below);
            if (t.get().within(shown)) {
                return Optional.of("reaches the " + state + " through the mount at " + below.point());
            }
        }
        return Optional.empty();
    }

    /** Without a usable mount table: the share's inode among the state's directories above it, and the reverse. */
    private Optional<String> byInode(Path share, Path target, StatePath state) {
        Object shareKey =
                keys.computeIfAbsent(share, p -> Optional.ofNullable(key(p))).orElse(null);
        if (shareKey != null && ancestors(target).contains(shareKey)) {
            return Optional.of("contains the " + state + " (the share is the same directory as one above it)");
        }
        Object targetKey = directoryKeys
                .computeIfAbsent(
                        target,
                        p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                                ? Optional.ofNullable(key(p))
                                : Optional.empty())
                .orElse(null);
        if (targetKey != null && ancestors(share).contains(targetKey)) {
            return Optional.of("lies inside the " + state + " (a directory above the share is the same directory)");
        }
        return Optional.empty();
    }

    private boolean directory(Path p) {
        return directories.computeIfAbsent(p, Files::isDirectory);
    }

    private List<Object> ancestors(Path p) {
        return ancestorKeys.computeIfAbsent(p, ShareReach::ancestorKeys);
    }

    /** (st_dev, st_ino) of the existing part of {@code p} and of every directory above it. */
    private static List<Object> ancestorKeys(Path p) {
        List<Object> out = new ArrayList<>();
        for (Path d = p; d != null; d = d.getParent()) {
            Object k = key(d);
            if (k != null) {
                out.add(k);
            }
        }
        return out;
    }

    private static Object key(Path p) {
        try {
            return Objects.requireNonNull(
                    Files.readAttributes(p, BasicFileAttributes.class).fileKey());
        } catch (IOException | NullPointerException e) {
            return null;
        }
    }

    /**
     * The longest existing prefix of {@code p} with symlinks resolved, followed by the rest as written ({@code p} if
     * none resolves). A dangling symlink in it is followed where it points (a share linked to a directory made
     * later is that directory, not the link), up to Linux's 40 links. A relative {@code p} is this process's working
     * directory's.
     */
    public static Path realOfExistingPrefix(Path p) {
        Path path = p;
        for (int links = 0; links <= MAX_SYMLINKS; links++) {
            Path existing = path;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return path;
            }
            try {
                Path rest = existing.relativize(path);
                if (Files.exists(existing)) {
                    return existing.toRealPath().resolve(rest).normalize();
                }
                Path dir = existing.toAbsolutePath().getParent();
                path = dir.toRealPath()
                        .resolve(Files.readSymbolicLink(existing))
                        .resolve(rest);
            } catch (IOException | UnsupportedOperationException e) {
                return p;
            }
        }
        return p;
    }
}
