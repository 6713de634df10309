package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Names;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
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

    /**
     * Entries one Treaddir asks the policy about, whatever its count (R-ROB-2). Without it a Treaddir of 512 KiB
     * asked about ~20,000 short names, and 4 batches of hidden ones ~80,000: with hand-written Cedar (~135 us a
     * question, a cache that a directory of fresh names misses) 3-10 s of CPU for one request. At 512 a request
     * costs at most ~70 ms of Cedar; a long listing takes more round trips instead.
     */
    static final int MAX_QUESTIONS = 512;

    /**
     * Bytes of the listed directory's path that make a question count once more against {@link #MAX_QUESTIONS}.
     * Each question hands the policy the whole path of the entry, and a guest chooses its depth (beyond PATH_MAX):
     * counted once each, 512 questions at 200 levels of 255-byte names (51 KB) were 26 MB of paths, 0.5-0.8 s of
     * hand-written Cedar for one Treaddir of a 64 KiB count (~2 ms each, the decision cache holding only a few such
     * paths). A question costs about as much as 4 KiB of path, so a deep listing takes more round trips instead.
     */
    static final int PATH_BYTES_PER_QUESTION = 4096;

    /**
     * What one entry's question counts against {@link #MAX_QUESTIONS}: one, two for a describing listing (WALK and
     * GETATTR), times one more for every {@link #PATH_BYTES_PER_QUESTION} of the directory's path; never more than
     * the bound, so that every request judges at least one entry and a listing however deep goes on.
     */
    static int questionCost(String dirPath, boolean describe) {
        long cost = (describe ? 2L : 1L) * (1 + GuestNames.bytes(dirPath) / PATH_BYTES_PER_QUESTION);
        return (int) Math.min(cost, MAX_QUESTIONS);
    }

    /** An entry to list, and whether a describing listing may show its attributes. */
    record Judged(DirEntry entry, boolean described) {}

    /**
     * The next entries the policy lets this VM see (hidden subtrees are absent, R-POL-4). Hidden entries are read
     * past, since an empty reply means end of directory. So that one request never scans a whole directory of
     * hidden names (holding a worker), after {@link #MAX_QUESTIONS} questions without one entry shown the reply is
     * the directory's own "." at the cookie reached: the listing resumes after the hidden names and none of them is
     * shown. A reply ends before its questions would pass {@link #MAX_QUESTIONS}. An entry the policy cannot judge
     * is left out (fail closed); the first such fault of the request is logged.
     *
     * <p>A hidden entry shapes a reply by its count only, never by its length: the host is read in batches of at
     * least a page whatever {@code count} is, and {@code count} is held against shown entries alone, so a count
     * too small for the first shown entry is EINVAL and one too small for a hidden name is nothing. (Bounding a run
     * by batches of {@code count} bytes, or refusing a count on the first host entry, told a guest the hidden
     * names' lengths, and by a search over offsets their positions.)
     *
     * <p>A Treaddir's cookies reach the guest, and the host's cookie of an entry (its d_off) is the position of the
     * entry after it: on ext4 the hash of that entry's name, one seed for the whole filesystem, so the entry before
     * a hidden one carried the hidden name's hash, which a guest compares with the hash of any name it creates and
     * lists elsewhere. So each shown entry's cookie is rewritten to where the next <em>shown</em> entry starts (the
     * cookie of the entry just before it), found by judging on past the reply's last entry: at most
     * {@link #MAX_QUESTIONS} questions in all, and a reply that reaches that bound ends one shown entry early, at
     * whose start its predecessor's cookie already points. The guest sees these positions only through
     * {@link DirCookies} (a count of entries, or a hash, would still tell hidden ones apart), and {@code offset} is
     * already a host position.
     *
     * <p>{@code describe} (a 9P2000/.u read, whose entries carry getattr's attributes): each entry is one
     * {@link AccessPolicy#shown} question instead of {@code visible}, which may cost two evaluations (WALK, GETATTR),
     * so it counts two. "." and ".." are judged too (as the directory and its parent), outside the bound. Its host
     * cookies never reach the guest (its offsets count bytes of stat entries), so they are kept as the host gives
     * them.
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
        int cost = questionCost(dirPath, describe);
        long cursor = offset; // the host position of the next entry to judge
        int questions = 0;
        int bytes = 0;
        List<Judged> shown = new ArrayList<>();
        AtomicBoolean faultLogged = new AtomicBoolean();
        while (true) {
            // Never fewer bytes than a page, so that batches, whose ends the hidden names' lengths decide, end no
            // reply.
            List<DirEntry> batch = share.dirs().read(file, cursor, Math.max(count - bytes, LOOKAHEAD_BYTES));
            if (batch.isEmpty()) {
                return settled(shown, cursor); // the end: the last shown entry's cookie is the end's
            }
            for (DirEntry e : batch) {
                if (questions + cost > MAX_QUESTIONS) {
                    return bounded(share, dir, dirPath, who, shown, cursor, describe, faultLogged);
                }
                if (!isDotName(e.name())) {
                    questions += cost;
                }
                AccessPolicy.Shown judged = judge(who, share, dirPath, e.name(), describe, faultLogged);
                if (judged != AccessPolicy.Shown.HIDDEN) {
                    if (bytes + e.wireSize() > count) {
                        if (shown.isEmpty()) {
                            // An empty reply would read as end-of-directory: say the count is too small instead.
                            throw new P9Exception(Errno.EINVAL, "readdir count " + count + " fits no entry");
                        }
                        return settled(shown, cursor); // the next shown entry, left for the next request, starts here
                    }
                    settled(shown, cursor);
                    shown.add(new Judged(e, judged == AccessPolicy.Shown.DESCRIBED));
                    bytes += e.wireSize();
                }
                cursor = e.offset();
            }
        }
    }

    /** Bytes a host batch asks for at least: a page of getdents, more than the longest entry. */
    private static final int LOOKAHEAD_BYTES = 4096;

    /**
     * The reply once the questions are spent at {@code cursor}, where nothing has been judged. Whether what starts
     * there is hidden is not known, so the last shown entry is left for the next request (its predecessor's
     * cookie is its start); only a lone shown entry, or none (the directory's "."), must take the cookie
     * {@code cursor}: a run of hidden names longer than the bound is crossed there (docs/protocol.md).
     */
    private List<Judged> bounded(
            LocalShare share,
            Node dir,
            String dirPath,
            Subject who,
            List<Judged> shown,
            long cursor,
            boolean describe,
            AtomicBoolean faultLogged)
            throws P9Exception {
        if (shown.isEmpty()) {
            return List.of(dot(share, dir, dirPath, who, cursor, describe, faultLogged));
        }
        if (describe) {
            return shown; // host cookies, as the host gave them
        }
        if (shown.size() > 1) {
            shown.removeLast();
            return shown;
        }
        return settled(shown, cursor);
    }

    /** The directory's own "." at {@code cursor}: a reply after a run of hidden names, which must not be empty. */
    private Judged dot(
            LocalShare share,
            Node dir,
            String dirPath,
            Subject who,
            long cursor,
            boolean describe,
            AtomicBoolean faultLogged)
            throws P9Exception {
        boolean described =
                describe && judge(who, share, dirPath, ".", true, faultLogged) == AccessPolicy.Shown.DESCRIBED;
        return new Judged(new DirEntry(GuardedFs.qid(share, dir), cursor, DT_DIR, "."), described);
    }

    /**
     * Gives the last of {@code shown} the cookie {@code next}, where the entry after it starts (a cookie rewritten
     * in a Treaddir; in a describing read the host's cookie of the last judged entry is the same position).
     */
    private static List<Judged> settled(List<Judged> shown, long next) {
        if (!shown.isEmpty()) {
            Judged last = shown.getLast();
            DirEntry e = last.entry();
            shown.set(shown.size() - 1, new Judged(new DirEntry(e.qid(), next, e.type(), e.name()), last.described()));
        }
        return shown;
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
        if (Names.reserved(name)) {
            return AccessPolicy.Shown.HIDDEN; // an entry the gateway is making: no guest may name it (Entries)
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
