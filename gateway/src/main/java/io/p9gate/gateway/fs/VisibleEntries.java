package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Treaddir's filtering: of the entries the backend lists, only those the policy lets this VM see. It runs as the
 * backend call of a Treaddir that the {@link ChokePoint} has already decided and records.
 */
final class VisibleEntries {
    private static final int DT_DIR = 4;

    private final String vm;
    private final AccessPolicy policy;

    VisibleEntries(String vm, AccessPolicy policy) {
        this.vm = vm;
        this.policy = policy;
    }

    /** Batches of hidden entries alone that one Treaddir reads past before it answers (bounded work, R-ROB-2). */
    static final int MAX_HIDDEN_BATCHES = 4;

    /**
     * Entries one Treaddir asks the policy about, whatever its count (R-ROB-2). Without it a Treaddir of 512 KiB
     * asked about ~20,000 short names, and 4 batches of hidden ones ~80,000: with hand-written Cedar (~135 us a
     * question, a cache that a directory of fresh names misses) 3-10 s of CPU for one request. At 512 a request
     * costs at most ~70 ms of Cedar; a long listing takes more round trips instead.
     */
    static final int MAX_QUESTIONS = 512;

    /** An entry to list, and whether a describing listing may show its attributes. */
    record Judged(DirEntry entry, boolean described) {}

    /**
     * The next entries the policy lets this VM see (hidden subtrees are absent, R-POL-4). A batch
     * whose entries are all hidden is skipped, since an empty reply means end of directory. So that
     * one request never scans a whole directory of hidden names (holding a worker), after
     * {@link #MAX_HIDDEN_BATCHES} such batches, or {@link #MAX_QUESTIONS} questions without one entry shown, the
     * reply is the directory's own "." at the cookie reached: the listing resumes after the hidden names and none of
     * them is shown. A reply ends before its questions would pass {@link #MAX_QUESTIONS}. An entry the policy cannot
     * judge is left out (fail closed); the first such fault of the request is logged.
     *
     * <p>{@code describe} (a 9P2000/.u read, whose entries carry getattr's attributes): each entry is one
     * {@link AccessPolicy#shown} question instead of {@code visible}, which may cost two evaluations (WALK, GETATTR),
     * so it counts two. "." and ".." are judged too (as the directory and its parent), outside the bound.
     */
    List<Judged> next(
            Subject who,
            LocalShare share,
            Node dir,
            String dirPath,
            OpenFile file,
            long offset,
            int count,
            boolean describe)
            throws P9Exception {
        int cost = describe ? 2 : 1;
        long cursor = offset;
        int questions = 0;
        AtomicBoolean faultLogged = new AtomicBoolean();
        for (int skipped = 1; ; skipped++) {
            List<DirEntry> batch = share.dirs().read(file, cursor, count);
            if (batch.isEmpty()) {
                return List.of();
            }
            List<Judged> shown = new ArrayList<>();
            for (DirEntry e : batch) {
                if (questions + cost > MAX_QUESTIONS) {
                    break;
                }
                if (!isDotName(e.name())) {
                    questions += cost;
                }
                AccessPolicy.Shown judged = judge(who, share, dirPath, e.name(), describe, faultLogged);
                if (judged != AccessPolicy.Shown.HIDDEN) {
                    shown.add(new Judged(e, judged == AccessPolicy.Shown.DESCRIBED));
                }
                cursor = e.offset();
            }
            if (!shown.isEmpty()) {
                return shown;
            }
            if (skipped == MAX_HIDDEN_BATCHES || questions + cost > MAX_QUESTIONS) {
                boolean described =
                        describe && judge(who, share, dirPath, ".", true, faultLogged) == AccessPolicy.Shown.DESCRIBED;
                return List.of(new Judged(new DirEntry(GuardedFs.qid(share, dir), cursor, DT_DIR, "."), described));
            }
        }
    }

    private static boolean isDotName(String name) {
        return name.equals(".") || name.equals("..");
    }

    /**
     * The share path a listed entry names: "." is the directory itself and ".." its parent (the root's ".." is the
     * root, which never leaves the share), each judged like any other entry.
     */
    private static String listedPath(String dirPath, String name) {
        return switch (name) {
            case "." -> dirPath;
            case ".." -> dirPath.substring(0, Math.max(dirPath.lastIndexOf('/'), 0));
            default -> GuardedFs.child(dirPath, name);
        };
    }

    private AccessPolicy.Shown judge(
            Subject who, LocalShare share, String dirPath, String name, boolean describe, AtomicBoolean faultLogged) {
        if (isDotName(name) && !describe) {
            return AccessPolicy.Shown.NAME_ONLY;
        }
        String path = listedPath(dirPath, name);
        try {
            if (describe) {
                AccessPolicy.Shown shown = policy.shown(vm, share.name(), path, who.uid(), who.gid());
                // "." and ".." are always listed; only what they show is the policy's.
                return isDotName(name) && shown == AccessPolicy.Shown.HIDDEN ? AccessPolicy.Shown.NAME_ONLY : shown;
            }
            return policy.visible(vm, share.name(), path, who.uid(), who.gid())
                    ? AccessPolicy.Shown.NAME_ONLY
                    : AccessPolicy.Shown.HIDDEN;
        } catch (RuntimeException e) {
            if (faultLogged.compareAndSet(false, true)) {
                UnexpectedFaults.log("policy visibility", e);
            }
            // Fail closed: a dot name is still listed, but shows nothing.
            return isDotName(name) ? AccessPolicy.Shown.NAME_ONLY : AccessPolicy.Shown.HIDDEN;
        }
    }
}
