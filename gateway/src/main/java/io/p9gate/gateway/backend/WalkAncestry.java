package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories along one share path, by key, as one descent from the share root found them: what the ".." steps
 * of one Twalk are checked against. Each ".." lands on a directory whose path is a prefix of an earlier step's, so
 * one descent names the place of every later ".." too: a walk of n ".." names pays one descent, not n climbs to the
 * root plus n more to name each place (16 names 2,000 levels deep cost ~0.7 s of CPU that way). It is the kernel's
 * word when the descent ran, for one walk only; the walk's end is asked of the kernel again (fs.Walks).
 */
public final class WalkAncestry {
    private final ShareRoot share;
    /** The path descended, null before the first descent. */
    private String path;
    /** {@code keys.get(i)}: the directory of the path's first i names; shorter where a name was not there. */
    private List<FileKey> keys = List.of();
    /** The share's rename counter read before the descent: the paths it proves are valid while it holds. */
    private long epoch;

    public WalkAncestry(ShareRoot share) {
        this.share = share;
    }

    /** Whether the directory {@code key} is at {@code expected}, descending (again) unless known already. */
    boolean places(String expected, FileKey key) throws P9Exception {
        if (path == null || !isPrefix(expected, path)) {
            epoch = share.renames().now();
            keys = share.keysAlong(expected);
            path = expected;
        }
        int depth = depth(expected);
        return depth < keys.size() && keys.get(depth).equals(key);
    }

    /**
     * If the directory {@code dirKey} is where the descent placed {@code dirPath}, adds {@code childKey} below it as
     * {@code childPath} (the directory's path plus the name it was looked up by) and says so; else changes nothing.
     * Never descends itself.
     */
    public boolean extend(String dirPath, FileKey dirKey, String childPath, FileKey childKey) {
        if (path == null || !isPrefix(dirPath, path)) {
            return false;
        }
        int depth = depth(dirPath);
        if (depth >= keys.size() || !keys.get(depth).equals(dirKey)) {
            return false;
        }
        List<FileKey> longer = new ArrayList<>(keys.subList(0, depth + 1));
        longer.add(childKey);
        keys = longer;
        path = childPath;
        return true;
    }

    private static int depth(String path) {
        return path.isEmpty() ? 0 : (int) path.chars().filter(c -> c == '/').count() + 1;
    }

    long epoch() {
        return epoch;
    }

    private static boolean isPrefix(String prefix, String of) {
        return prefix.isEmpty() || of.equals(prefix) || of.startsWith(prefix + "/");
    }
}
