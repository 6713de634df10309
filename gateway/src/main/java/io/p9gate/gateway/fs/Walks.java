package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.backend.WalkAncestry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.util.ArrayList;
import java.util.List;

/**
 * Twalk's two halves: the paths the policy sees, and the confined lookups GuardedFs runs once allowed. The paths
 * are computed by name from where the start fid is at decision time; the lookups happen a moment later. Without
 * ".." that gap cannot matter (a walk only descends from its start, and no allowed rename carries a directory into
 * or onto a hidden or protected place), but ".." climbs from wherever the directory is when the lookup runs: a
 * rename in between would lead the walk somewhere it was never decided on. So a walk with ".." checks that each
 * handle it reaches is at the path its decision named, and stops (as a name that does not resolve) where not. A
 * ".." is checked against one descent from the root shared by the walk's ".." steps ({@link WalkAncestry}), which a
 * name looked up in a directory it placed extends; only a step that is not where that descent says climbs to the
 * root and asks the kernel its path, to tell why.
 */
final class Walks {
    private Walks() {}

    /**
     * Walks {@code names} one confined lookup at a time; stops early (node null) if a later name fails.
     *
     * @param decided the paths the walk was decided on, one per name ({@link #paths})
     */
    static GuardedFs.Walked walk(LocalShare share, Node from, List<String> names, List<String> decided)
            throws P9Exception {
        boolean climbs = names.contains("..");
        WalkAncestry ancestry = new WalkAncestry(share.root());
        List<Qid> qids = new ArrayList<>();
        Node cursor = from.share();
        Node parent = null; // the directory the cursor was looked up in (null while it is the start)
        try {
            for (int i = 0; i < names.size(); i++) {
                Node next;
                FileStat stat;
                try {
                    Node placed =
                            names.get(i).equals("..") ? share.root().parentAt(cursor, decided.get(i), ancestry) : null;
                    if (placed != null) {
                        next = placed;
                        stat = null;
                    } else {
                        ShareRoot.Found found = share.root().find(cursor, names.get(i));
                        next = found.node();
                        stat = found.stat();
                        if (climbs && !foundBelowPlaced(ancestry, names.get(i), decided, i, cursor, next)) {
                            requireDecidedPath(share, next, decided.get(i));
                        }
                    }
                } catch (P9Exception e) {
                    if (qids.isEmpty()) {
                        throw e;
                    }
                    // A walk that stops answers the qids it got: they are as much the guest's to see as a whole
                    // walk's, so the place it reached is checked the same way (else a directory the host moved under
                    // a hidden subtree or out of the share could be probed name by name, never checked).
                    requireDecidedPlace(share, cursor, parent, decided.get(i - 1));
                    return new GuardedFs.Walked(qids, null, e.errno());
                }
                if (parent != null) {
                    parent.close();
                }
                parent = cursor;
                cursor = next;
                // The lookup's stat, taken a moment ago, is the qid's: a second statx would tell the same.
                qids.add(stat != null ? share.root().qids().qid(stat) : GuardedFs.qid(share, cursor));
            }
            if (parent != null) {
                requireDecidedPlace(share, cursor, parent, decided.getLast());
            }
            FileHandle reached = new FileHandle(share, cursor);
            cursor = null; // the handle's now
            return new GuardedFs.Walked(qids, reached, null);
        } finally {
            if (cursor != null) {
                cursor.close();
            }
            if (parent != null) {
                parent.close();
            }
        }
    }

    /**
     * The kernel's word, once per walk, that the walk ended where it was decided: the host may have moved a
     * directory out of the share while the walk passed through it (R-CONF-1), or moved one inside it, which the
     * paths fids carry do not see (docs/architecture.md). A directory is checked itself; a file through the
     * directory it was just found in (a file has no ".." to climb, and /proc cannot name one beyond PATH_MAX).
     */
    private static void requireDecidedPlace(LocalShare share, Node reached, Node lastDir, String decided)
            throws P9Exception {
        if (reached.isDirectory()) {
            share.root().requireAt(reached, decided);
        } else {
            int slash = decided.lastIndexOf('/');
            share.root().requireAt(lastDir, slash < 0 ? "" : decided.substring(0, slash));
        }
    }

    /**
     * Whether {@code next}, just looked up by the name {@code name} in {@code cursor}, is known to be at its decided
     * path: the cursor is the directory the walk's descent placed at the path before, and a confined lookup of a name
     * in it finds what is at that path plus the name (as every walk without ".." relies on). Then it extends the
     * descent, for the ".." steps after it.
     */
    private static boolean foundBelowPlaced(
            WalkAncestry ancestry, String name, List<String> decided, int i, Node cursor, Node next) {
        return i > 0
                && !name.equals(".")
                && ancestry.extend(decided.get(i - 1), cursor.key(), decided.get(i), next.key());
    }

    /** Closes {@code node} and fails if it is not at {@code decided}: a rename moved the walk elsewhere. */
    private static void requireDecidedPath(LocalShare share, Node node, String decided) throws P9Exception {
        String now;
        try {
            now = share.root().checkedPath(node, decided);
        } catch (P9Exception | RuntimeException e) {
            node.close();
            throw e;
        }
        if (!now.equals(decided)) {
            node.close();
            throw new P9Exception(Errno.ENOENT, "a rename moved the walk from " + decided + " to another directory");
        }
    }

    /** Every path a walk passes through, computed by name (".." never climbs above the root). */
    static List<String> paths(String start, List<String> names) {
        List<String> out = new ArrayList<>();
        String current = start;
        for (String name : names) {
            if (name.equals("..")) {
                int slash = current.lastIndexOf('/');
                current = slash < 0 ? "" : current.substring(0, slash);
            } else if (!name.equals(".")) {
                current = GuardedFs.child(current, name);
            }
            out.add(current);
        }
        return out.isEmpty() ? List.of(start) : out;
    }
}
