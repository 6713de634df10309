package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The shares open in this process, so that a rename makes forget exactly the shares whose paths it may change
 * (issue 11). Shares of different VMs may be the same host directory, or one inside another, and the host may
 * rearrange them at any time, so which shares a rename concerns is found at the rename, by climbing ".." from
 * its directories: a rename changes the share-relative paths of the entry it moves and what lies beneath it,
 * which only a share whose root holds the directory it moves from can name (and, for an entry it replaces, the
 * one it moves into). Weakly held: a share nobody closes is not kept alive by being registered.
 */
final class OpenShares {
    private static final Set<ShareRoot> OPEN =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private OpenShares() {}

    /**
     * Registers {@code share}. Shares may be the same directory or one inside another, and the mark that bits were
     * kept is on the root of the share they were kept through only: a share opened marked makes every open share
     * read them, and a share opened where an open share that reads them is the same directory, above or beneath it
     * reads them too (a root it cannot climb from, to be safe), and so does one of the same file system (a hard
     * link there may name a file beneath the other; a bind mount's climb leaves through its mount point), or where
     * either root is on a file system that may reach another's inodes (an overlay and its upper directory) or that is
     * mounted more than once (one mounted inside the other share and bound elsewhere). Else, after
     * a restart, a share inside a marked one, or holding a host hard link of a file in it, never read the bits, and
     * no write through it cleared them for the VM that kept them.
     */
    static void opened(ShareRoot share) {
        OPEN.add(share);
        if (share.setIdBitsMayBeKept()) {
            keepingSetIdBits();
            return;
        }
        List<ShareRoot> reading = snapshot().stream()
                .filter(other -> other != share && other.setIdBitsMayBeKept())
                .toList();
        if (reading.isEmpty()) {
            return; // the usual start: no share reads kept bits, and no climb is needed to know
        }
        // A hard link (the host's) joins any two directories of one file system: a file with kept bits may have a
        // name in this share though neither root holds the other, and a write through it must clear them. So does an
        // overlay and its upper directory, whose st_dev differ, and a file system mounted inside the other share and
        // bound elsewhere, whose climb leaves through its own mount point (KeptSetIdAcrossVmsAttackTest).
        SingleMounts mounts = SingleMounts.now(); // once for all of them: a host may have thousands of mounts
        if (reading.stream().anyMatch(other -> mayReachTheSameInodes(share, other, mounts))) {
            share.setIdBitsKept();
            return;
        }
        Set<FileKey> above = new HashSet<>();
        boolean climbed;
        try (Node root = share.root()) {
            climbed = Climb.ancestors(root, above);
        } catch (P9Exception e) {
            climbed = false;
        }
        for (ShareRoot other : reading) {
            if (!climbed || overlap(share, above, other)) {
                share.setIdBitsKept();
                return;
            }
        }
    }

    /**
     * Whether the two roots may reach one inode by any path: they are of one file system, or either is of one that
     * may pass through to another's inodes or share them with a mount of another st_dev ({@link
     * SelfContainedFilesystems}, as each root's open found its file system), or is mounted more than once (or is a
     * btrfs subvolume's: {@link SingleMounts}), where a mount of it inside the other share may reach it past any climb.
     */
    private static boolean mayReachTheSameInodes(ShareRoot share, ShareRoot other, SingleMounts mounts) {
        if (share.rootKey().dev() == other.rootKey().dev()) {
            return true;
        }
        // A root stays on the file system it was opened on: its type is the one its open found.
        return !SelfContainedFilesystems.holds(share.filesystemType())
                || !SelfContainedFilesystems.holds(other.filesystemType())
                || !mounts.mountedOnce(share.rootKey().dev())
                || !mounts.mountedOnce(other.rootKey().dev());
    }

    /**
     * Whether {@code other}'s root, on another file system than {@code share}'s (the same one was decided before),
     * is {@code share}'s ({@code above}: its ancestors, itself included) or below it, or may be: a file system
     * mounted beneath the other share's root.
     */
    private static boolean overlap(ShareRoot share, Set<FileKey> above, ShareRoot other) {
        if (above.contains(other.rootKey())) {
            return true;
        }
        Set<FileKey> aboveOther = new HashSet<>();
        try (Node root = other.root()) {
            return !Climb.ancestors(root, aboveOther) || aboveOther.contains(share.rootKey());
        } catch (P9Exception e) {
            return true;
        }
    }

    static void closed(ShareRoot share) {
        OPEN.remove(share);
    }

    /**
     * Set-id bits are being kept in an xattr beneath {@code share} (ShareRoot#keepingSetIdBits): every open share
     * reads them from now on, since shares may be the same directory or one inside another.
     */
    static void keepingSetIdBits() {
        for (ShareRoot share : snapshot()) {
            share.setIdBitsKept();
        }
    }

    /**
     * Before and again after a rename from {@code from} into {@code to} through {@code renaming}: advances the
     * counter of that share and of every open share whose root is one of the two directories or above them, and of
     * every share of the same file system seen through another mount (the renaming share's directory may be a bind
     * mount of one inside it: its climbs leave through the mount point and pass no root of the share around it).
     * After the system call the directories are climbed afresh: a concurrent rename may have moved them under
     * another share in between, and that share's paths of the moved entry were learned after the first climb.
     */
    static void renaming(ShareRoot renaming, Node from, Node to) throws P9Exception {
        renaming.renames().advance();
        asGateway(() -> {
            Set<FileKey> holding = new HashSet<>();
            boolean found = Climb.ancestors(from, holding)
                    && (holding.contains(to.key()) || Climb.ancestors(to, holding)); // one climb in place
            if (!found) {
                advanceConnected(renaming);
                return;
            }
            for (ShareRoot share : snapshot()) {
                if (share != renaming && (holding.contains(share.rootKey()) || throughAnotherMount(renaming, share))) {
                    share.renames().advance();
                }
            }
        });
    }

    /**
     * The host moved a handle of {@code moved} (a handle was found elsewhere than its share remembered, or outside
     * it): every share that overlaps this one, the same directory, one above it or one inside it, may remember
     * paths in the moved tree, and forgets them; so does one of the same file system seen through another mount (a
     * bind mount of a directory inside this share, or this share's directory a bind mount of one inside it).
     */
    static void hostMovedIn(ShareRoot moved) throws P9Exception {
        moved.renames().advance();
        asGateway(() -> {
            Set<FileKey> above = new HashSet<>();
            if (!Climb.ancestors(moved.rootNode(), above)) {
                advanceConnected(moved);
                return;
            }
            for (ShareRoot share : snapshot()) {
                if (share != moved
                        && (above.contains(share.rootKey())
                                || holds(moved, share)
                                || throughAnotherMount(moved, share))) {
                    share.renames().advance();
                }
            }
        });
    }

    /**
     * Runs {@code climbs} as the gateway: which shares a change concerns is found by climbing ".." from its directories
     * and from the shares' roots, past the directories above the shares, which a guest's host user (permissions:
     * enforce) may not search. A climb it cannot finish places nothing, and every share overlapping its own would
     * forget its remembered paths at each rename.
     */
    private static void asGateway(Runnable climbs) throws P9Exception {
        HostCredentials.asGateway(() -> {
            climbs.run();
            return null;
        });
    }

    /**
     * Whether the directory {@code dir} is the root of an open share or lies above one; if a share's place cannot be
     * found out, yes. Every start opens a share by its path, following symlinks: moving or removing such a directory
     * lets a guest whose share holds it put a symlink there, and the next start serves wherever it points.
     */
    static boolean holdsShareRoot(FileKey dir) throws P9Exception {
        // As the gateway (see asGateway): a climb the guest's host user cannot finish would make every directory
        // hold a root.
        return HostCredentials.asGateway(() -> {
            for (ShareRoot share : snapshot()) {
                Set<FileKey> above = new HashSet<>();
                if (Climb.ancestors(share.rootNode(), above) ? above.contains(dir) : !removed(share)) {
                    return true;
                }
            }
            return false;
        });
    }

    /** Whether the share's directory was removed (by the host): it has no place above which anything could be. */
    private static boolean removed(ShareRoot share) {
        try {
            return Inodes.stat(share.rootNode()).nlink() == 0;
        } catch (P9Exception e) {
            return false;
        }
    }

    /** Whether {@code inner}'s root is beneath {@code outer}'s root; if that cannot be found out, yes. */
    private static boolean holds(ShareRoot outer, ShareRoot inner) {
        Set<FileKey> above = new HashSet<>();
        return !Climb.ancestors(inner.rootNode(), above) || above.contains(outer.rootKey());
    }

    /**
     * Where a directory of {@code done}'s cannot be placed (its climb failed; a guest can make one fail, e.g. by a tree
     * deeper than any climb goes): the shares that may hold it forget. Not every share, which let one VM send every
     * other VM's shares back to the kernel: a rename moves entries only within one share (its directories are the
     * share's own), so a directory of {@code done}'s is, or was moved by a concurrent rename, beneath a share that
     * overlaps {@code done}, or one that overlaps such a share, and so on. The gateway never moves a share's directory
     * (Entries#refuseShareRoot), so these are found by climbing the shares' roots; one whose root cannot be placed
     * overlaps every share (fail safe), and so does one of the same file system seen through another mount (a bind
     * mount of a directory inside another share: no climb of ".." passes the other's root). Moves by the host are
     * found as such ({@link #hostMovedIn}).
     */
    private static void advanceConnected(ShareRoot done) {
        List<ShareRoot> open = snapshot();
        Map<ShareRoot, Set<FileKey>> above = new IdentityHashMap<>();
        for (ShareRoot share : open) {
            Set<FileKey> keys = new HashSet<>();
            above.put(share, Climb.ancestors(share.rootNode(), keys) ? keys : null);
        }
        Set<ShareRoot> reached = Collections.newSetFromMap(new IdentityHashMap<>());
        reached.add(done);
        ArrayDeque<ShareRoot> from = new ArrayDeque<>(List.of(done));
        while (!from.isEmpty()) {
            ShareRoot s = from.pop();
            for (ShareRoot t : open) {
                if (!reached.contains(t) && overlap(s, t, above)) {
                    reached.add(t);
                    t.renames().advance();
                    from.push(t);
                }
            }
        }
    }

    /**
     * Whether one of the two shares' roots is the other's or above it, or may be: a climb failed ({@code above}: each
     * root's climb, null where it failed), or both are of one file system through different mounts.
     */
    private static boolean overlap(ShareRoot s, ShareRoot t, Map<ShareRoot, Set<FileKey>> above) {
        Set<FileKey> aboveS = above.get(s);
        Set<FileKey> aboveT = above.get(t);
        return aboveS == null
                || aboveT == null
                || aboveS.contains(t.rootKey())
                || aboveT.contains(s.rootKey())
                || throughAnotherMount(s, t);
    }

    /**
     * Whether the two shares' roots are of one file system opened through different mounts (or a mount that could not
     * be read): climbs of ".." show only each mount's tree, so either root may lie inside the other.
     */
    private static boolean throughAnotherMount(ShareRoot s, ShareRoot t) {
        return s.rootKey().dev() == t.rootKey().dev()
                && (s.mountId() == MountIds.UNKNOWN || s.mountId() != t.mountId());
    }

    private static List<ShareRoot> snapshot() {
        synchronized (OPEN) {
            return List.copyOf(OPEN);
        }
    }
}
