package io.p9gate.gateway.backend;

import io.p9gate.policy.protect.MountInfoField;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether a file system is mounted exactly once in the gateway's mount namespace ({@code /proc/self/mountinfo}): only
 * then is every path to its inodes a path through that one mount, so a share on it whose root's climb of ".." passes
 * no other share's root is not inside that share ({@link OpenShares#opened}). A file system mounted inside a share
 * and bound elsewhere too is reached through both, though no climb from either mount passes the other share's root.
 *
 * @param lines the table's lines as read once, or null when it could not be read (then nothing is mounted once)
 */
record SingleMounts(List<String> lines) {
    /** Times the table was read (for tests): one per share opened beside shares that read kept bits. */
    private static final LongAdder TABLES_READ = new LongAdder();

    /**
     * The table now, read once for all the roots one share's opening compares: it was read twice per share that
     * reads kept bits, which on a host of many mounts made a start of many shares slow.
     */
    static SingleMounts now() {
        TABLES_READ.increment();
        try {
            return new SingleMounts(MountInfoField.table());
        } catch (IOException e) {
            return new SingleMounts(null);
        }
    }

    static long tablesRead() {
        return TABLES_READ.sum();
    }

    /**
     * Whether the file system of st_dev {@code dev} has one mount; no when it has none that names it (a btrfs
     * subvolume's st_dev is not its file system's), or when the table could not be read.
     */
    boolean mountedOnce(long dev) {
        return lines != null && lines.stream().filter(line -> names(line, dev)).count() == 1;
    }

    /**
     * Whether the mount of id {@code mountId} is in the table (the line's first field); yes when the table could not
     * be read. A mount the host detached ({@code umount -l}) is not, though descriptors opened through it still work.
     */
    boolean lists(long mountId) {
        String id = mountId + " ";
        return lines == null || lines.stream().anyMatch(line -> line.startsWith(id));
    }

    /**
     * Whether a file system is mounted over {@code path}, the kernel path of a directory reached through the mount of
     * id {@code mountId}: a mount on that path or a directory above it that is neither that mount nor one it is
     * mounted on (its parents up the table), nor one that shows the same directory there ({@link #shownAt}). One over
     * a directory above the mount's own mount point hides it too: a tmpfs over /srv hides /srv/a and every share below. Asked where the gateway may not search the path to stat it.
     * Yes where the table could not be read or does not list the mount: it cannot tell; and for an older mount the
     * root's mount or a parent of it covers (not on the path any more): refused, not told apart from a new one.
     */
    boolean hides(long mountId, String path) {
        if (lines == null) {
            return true;
        }
        Map<String, String[]> mounts = new HashMap<>();
        for (String line : lines) {
            String[] fields = line.split(" ", 6);
            if (fields.length == 6) {
                mounts.put(fields[0], fields);
            }
        }
        Set<String> beneath = new HashSet<>(); // the root's mount and the ones it is mounted on
        for (String[] at = mounts.get(Long.toString(mountId)); at != null && beneath.add(at[0]); ) {
            at = mounts.get(at[1]);
        }
        if (beneath.isEmpty()) {
            return true;
        }
        String[] own = mounts.get(Long.toString(mountId));
        String ownDirectory = shownAt(own, path);
        for (String[] fields : mounts.values()) {
            String shown = shownAt(fields, path);
            boolean same = ownDirectory != null && fields[2].equals(own[2]) && ownDirectory.equals(shown);
            if (shown != null && !beneath.contains(fields[0]) && !same) {
                return true;
            }
        }
        return false;
    }

    /**
     * The directory of its file system that the mount of {@code fields} shows at {@code path} (its root field, then
     * the rest of the path below its mount point), or null where {@code path} is not at or below its mount point. The
     * same device and directory as the root's own mount shows there is the same directory (the share bound onto
     * itself), not a mount over it: served, as where the gateway may stat the path.
     */
    private static String shownAt(String[] fields, String path) {
        String point = MountInfoField.unescaped(fields[4]);
        if (!point.equals("/") && !path.equals(point) && !path.startsWith(point + "/")) {
            return null;
        }
        String below = point.equals("/") ? path : path.substring(point.length());
        String root = MountInfoField.unescaped(fields[3]);
        return root.equals("/") ? (below.isEmpty() ? "/" : below) : root + below;
    }

    /** Whether the mountinfo line's third field, "major:minor", is {@code dev}. */
    private static boolean names(String line, long dev) {
        String[] fields = line.split(" ", 4);
        if (fields.length < 4) {
            return false;
        }
        int colon = fields[2].indexOf(':');
        try {
            return colon > 0
                    && FileStat.makedev(
                                    Integer.parseInt(fields[2], 0, colon, 10),
                                    Integer.parseInt(fields[2], colon + 1, fields[2].length(), 10))
                            == dev;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
