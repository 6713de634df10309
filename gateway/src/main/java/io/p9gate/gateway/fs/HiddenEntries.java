package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.DirectorySizes;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;

/**
 * What a directory that directly holds a hidden name says of it: nothing (R-POL-4). Its listing leaves the name
 * out ({@link VisibleEntries}); its rmdir, its link count and its size must not depend on what the host has under
 * the name either, or a guest could tell whether a hidden entry exists (an rmdir that fails ENOTEMPTY only then, a
 * link count one higher for each hidden subdirectory, a tmpfs directory 20 bytes larger for each hidden entry). The
 * hidden names are the policy's ({@link AccessPolicy#hiddenNamesIn}), asked only of directories that hold one, in
 * shares that hide anything.
 */
final class HiddenEntries {
    /** The rule an rmdir of a directory holding a hidden name is refused by (ENOTEMPTY). */
    static final String RULE = "hidden-entries";

    private final String vm;
    private final AccessPolicy policy;

    HiddenEntries(String vm, AccessPolicy policy) {
        this.vm = vm;
        this.policy = policy;
    }

    /**
     * The names directly in the directory at {@code dir} that the policy hides from {@code who}, whether the host
     * has them or not. One the policy cannot judge counts as hidden (fail closed).
     */
    List<String> in(Subject who, String share, String dir) {
        List<String> named;
        try {
            if (!policy.hidesNamesIn(vm, share)) {
                return List.of(); // most shares: no question per directory
            }
            named = policy.hiddenNamesIn(vm, share, dir);
        } catch (RuntimeException e) {
            // a path the policy cannot name: the request's own decision refuses it
            UnexpectedFaults.log("policy hidden names", e);
            return List.of();
        }
        if (named.isEmpty()) {
            return named;
        }
        List<String> hidden = new ArrayList<>(named.size());
        for (String name : named) {
            if (!visible(who, share, GuardedFs.child(dir, name))) {
                hidden.add(name);
            }
        }
        return hidden;
    }

    private boolean visible(Subject who, String share, String path) {
        try {
            return policy.visible(vm, share, path, who.uid(), who.gid());
        } catch (RuntimeException e) {
            UnexpectedFaults.log("policy visibility", e);
            return false;
        }
    }

    /**
     * {@code stat} of the directory {@code dir} (at {@code path} in {@code share}) as it would be without the hidden entries the host
     * has: its link count less one for each hidden subdirectory (each adds one, its ".."), never below 2, and on
     * tmpfs, which counts every entry in a directory's size ({@link DirectorySizes}), its size less theirs. A link
     * count of 2 or less has no subdirectory to take off (or, as btrfs's 1, counts none); where neither applies the
     * hidden names are not looked up.
     */
    FileStat shown(Subject who, LocalShare share, Node dir, String path, FileStat stat) throws P9Exception {
        if (stat.type() != FileType.DIRECTORY) {
            return stat;
        }
        List<String> hidden = in(who, share.name(), path);
        if (hidden.isEmpty()) {
            return stat;
        }
        long perEntry = DirectorySizes.perEntry(share.root(), dir, stat);
        if (stat.nlink() <= 2 && perEntry == 0) {
            return stat;
        }
        long hiddenDirs = 0;
        long hiddenEntries = 0;
        for (String name : hidden) {
            try {
                hiddenDirs += Inodes.statAt(dir, name).type() == FileType.DIRECTORY ? 1 : 0;
                hiddenEntries++;
            } catch (P9Exception gone) {
                // not there (or not to be looked at): nothing to take off
            }
        }
        FileStat shown =
                stat.nlink() <= 2 || hiddenDirs == 0 ? stat : stat.withNlink(Math.max(2, stat.nlink() - hiddenDirs));
        return hiddenEntries == 0 || perEntry == 0
                ? shown
                : shown.withSize(Math.max(0, stat.size() - perEntry * hiddenEntries));
    }
}
