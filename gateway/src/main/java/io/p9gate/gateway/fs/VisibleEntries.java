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

    /**
     * The next entries the policy lets this VM see (hidden subtrees are absent, R-POL-4). A batch
     * whose entries are all hidden is skipped, since an empty reply means end of directory. So that
     * one request never scans a whole directory of hidden names (holding a worker), after
     * {@link #MAX_HIDDEN_BATCHES} such batches, or {@link #MAX_QUESTIONS} entries judged without one shown, the reply
     * is the directory's own "." at the cookie reached: the listing resumes after the hidden names and none of them
     * is shown. A reply ends at the {@link #MAX_QUESTIONS}th entry judged. An entry the policy cannot judge is left
     * out (fail closed); the first such fault of the request is logged.
     */
    List<DirEntry> next(Subject who, LocalShare share, Node dir, String dirPath, OpenFile file, long offset, int count)
            throws P9Exception {
        long cursor = offset;
        int questions = 0;
        AtomicBoolean faultLogged = new AtomicBoolean();
        for (int skipped = 1; ; skipped++) {
            List<DirEntry> batch = share.dirs().read(file, cursor, count);
            if (batch.isEmpty()) {
                return batch;
            }
            List<DirEntry> shown = new ArrayList<>();
            for (DirEntry e : batch) {
                if (questions == MAX_QUESTIONS) {
                    break;
                }
                if (!isDotName(e.name())) {
                    questions++;
                }
                if (isListed(who, share, dirPath, e.name(), faultLogged)) {
                    shown.add(e);
                }
                cursor = e.offset();
            }
            if (!shown.isEmpty()) {
                return shown;
            }
            if (skipped == MAX_HIDDEN_BATCHES || questions == MAX_QUESTIONS) {
                return List.of(new DirEntry(GuardedFs.qid(share, dir), cursor, DT_DIR, "."));
            }
        }
    }

    private static boolean isDotName(String name) {
        return name.equals(".") || name.equals("..");
    }

    private boolean isListed(Subject who, LocalShare share, String dirPath, String name, AtomicBoolean faultLogged) {
        if (isDotName(name)) {
            return true;
        }
        try {
            return policy.visible(vm, share.name(), GuardedFs.child(dirPath, name), who.uid(), who.gid());
        } catch (RuntimeException e) {
            if (faultLogged.compareAndSet(false, true)) {
                UnexpectedFaults.log("policy visibility", e);
            }
            return false;
        }
    }
}
