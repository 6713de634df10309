package io.p9gate.gateway.compliance;

import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The paths a group of probes can use, by what a {@link Form} needs: a new name, existing entries of each
 * kind (taken from what the VM can see); {@code missing} says why one is absent.
 */
record Targets(SharePath newName, SharePath file, SharePath dir, SharePath entry, SharePath any, String missing) {

    SharePath forNeeds(Form.Needs needs) {
        return switch (needs) {
            case NEW_NAME, ANY_NAME -> newName;
            case EXISTING_FILE -> file;
            case EXISTING_DIR -> dir;
            case EXISTING_ENTRY -> entry;
            case EXISTING_ANY -> any;
        };
    }

    /** What a subtree offers: entries inside it, and a new name inside it (or the subtree's own name, if it is absent). */
    static Targets inSubtree(ShareView view, SharePath top, String token) {
        Predicate<ShareView.Entry> inside = e -> e.path().isWithin(top);
        boolean topIsDir = top.depth() == 0
                || Optional.ofNullable(view.entries().get(top))
                        .map(ShareView.Entry::isDirectory)
                        .orElse(false);
        SharePath newName = null;
        if (topIsDir) {
            newName = top.child(token + "-new");
        } else if (!view.entries().containsKey(top) && top.depth() > 0 && isDir(view, top.prefix(top.depth() - 1))) {
            newName = top;
        }
        return existing(view, List.of(), inside, newName, "in " + top);
    }

    /**
     * What a rule's glob offers: existing entries it matches (the suite's own among them: where the VM may not
     * list a directory, they are the entries it knows), and a new name it matches in an existing directory.
     */
    static Targets matching(
            ShareView view, PathPattern glob, List<SharePath> preferredDirs, List<ShareView.Entry> own, String token) {
        Predicate<ShareView.Entry> matches = e -> glob.matches(e.path());
        Stream<SharePath> dirs = Stream.concat(
                Stream.concat(preferredDirs.stream(), Stream.of(SharePath.ROOT)),
                view.entries().values().stream()
                        .filter(ShareView.Entry::isDirectory)
                        .map(ShareView.Entry::path)
                        .sorted(Comparator.comparing(SharePath::depth).thenComparing(SharePath::toString)));
        SharePath newName = dirs.map(d -> d.child(nameFor(glob, token)))
                .filter(p -> glob.matches(p) && !view.entries().containsKey(p))
                .findFirst()
                .orElse(null);
        return existing(view, own, matches, newName, "matching " + glob);
    }

    /** A name unique to this run that a glob's last segment allows: its first '*' becomes the token. */
    static String nameFor(PathPattern glob, String token) {
        List<String> fixed = glob.suffix().isEmpty() ? glob.prefix() : glob.suffix();
        String last = fixed.isEmpty() || (glob.globstar() && glob.suffix().isEmpty()) ? "*" : fixed.getLast();
        if (!last.contains("*")) {
            return last; // a literal name: the glob names one path only
        }
        int star = last.indexOf('*');
        return last.substring(0, star) + token + "-new"
                + last.substring(star + 1).replace("*", "");
    }

    private static boolean isDir(ShareView view, SharePath path) {
        return path.depth() == 0
                || Optional.ofNullable(view.entries().get(path))
                        .map(ShareView.Entry::isDirectory)
                        .orElse(false);
    }

    private static Targets existing(
            ShareView view,
            List<ShareView.Entry> own,
            Predicate<ShareView.Entry> wanted,
            SharePath newName,
            String where) {
        List<ShareView.Entry> found = Stream.concat(view.entries().values().stream(), own.stream())
                .filter(wanted)
                .sorted(Comparator.comparing((ShareView.Entry e) -> e.path().depth())
                        .thenComparing(e -> e.path().toString()))
                .toList();
        SharePath file = found.stream()
                .filter(ShareView.Entry::isFile)
                .map(ShareView.Entry::path)
                .findFirst()
                .orElse(null);
        SharePath dir = found.stream()
                .filter(ShareView.Entry::isDirectory)
                .map(ShareView.Entry::path)
                .findFirst()
                .orElse(null);
        SharePath entry = file != null
                ? file
                : found.stream()
                        .map(ShareView.Entry::path)
                        .filter(p -> p.depth() > 0)
                        .findFirst()
                        .orElse(null);
        // Forms on "any" entry open it, read its xattrs, set its attributes: only a regular file or a directory. A
        // symlink, FIFO, socket or device (which a guest can make the only match) is refused by the gateway
        // whatever the policy says (ELOOP, ENXIO, EOPNOTSUPP): probing one would fail the check for nothing.
        SharePath any = file != null ? file : dir;
        String missing = (entry != null && any == null
                        ? "no regular file or directory " + where + " is visible to this VM (" + entry
                                + " is neither, and the gateway opens no such entry)"
                        : "no entry " + where + " is visible to this VM")
                + (view.truncated() ? " (among the first " + view.entries().size() + " entries listed)" : "");
        return new Targets(newName, file, dir, entry, any, missing);
    }
}
