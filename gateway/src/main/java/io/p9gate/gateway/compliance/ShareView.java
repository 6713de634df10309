package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one VM sees of one share: every entry it can reach by walking and listing from a few starting
 * points (the share root and the places the policy names), as the gateway answers it. Every request is
 * compared with the policy as it goes, so the discovery is itself a check (the VM's view is the policy's).
 * Taken before and after the probes, two views show whether anything outside the suite's scratch changed.
 */
final class ShareView {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    /** One entry as getattr showed it (ids as the guest sees them). */
    record Entry(
            SharePath path,
            int mode,
            long size,
            long uid,
            long gid,
            long atimeSec,
            long atimeNsec,
            long mtimeSec,
            long mtimeNsec) {
        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean isFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        /** Name, type, size and modification time: what a change would alter. */
        String fingerprint() {
            return Integer.toOctalString(mode & S_IFMT) + " " + size + " " + mtimeSec + "." + mtimeNsec;
        }

        static Entry of(SharePath path, Attr a) {
            return new Entry(
                    path,
                    a.mode(),
                    a.size(),
                    Integer.toUnsignedLong(a.uid()),
                    Integer.toUnsignedLong(a.gid()),
                    a.atimeSec(),
                    a.atimeNsec(),
                    a.mtimeSec(),
                    a.mtimeNsec());
        }
    }

    private final Map<SharePath, Entry> entries;
    private final List<String> mismatches;
    private final boolean truncated;
    private final int requests;

    private ShareView(Map<SharePath, Entry> entries, List<String> mismatches, boolean truncated, int requests) {
        this.entries = entries;
        this.mismatches = mismatches;
        this.truncated = truncated;
        this.requests = requests;
    }

    /** This view and one more entry (one the VM reaches without listing its directory). */
    ShareView with(Entry entry) {
        Map<SharePath, Entry> more = new LinkedHashMap<>(entries);
        more.put(entry.path(), entry);
        return new ShareView(Collections.unmodifiableMap(more), mismatches, truncated, requests);
    }

    /** A view of nothing, for probes made only in the suite's own place. */
    static ShareView empty() {
        return new ShareView(Map.of(), List.of(), false, 0);
    }

    Map<SharePath, Entry> entries() {
        return entries;
    }

    /** Answers that differ from the policy's, one line each (at most a few dozen are kept). */
    List<String> mismatches() {
        return mismatches;
    }

    boolean truncated() {
        return truncated;
    }

    int requests() {
        return requests;
    }

    List<Entry> within(SharePath top) {
        return entries.values().stream().filter(e -> e.path().isWithin(top)).toList();
    }

    /**
     * Walks and lists from {@code starts} (paths below the share root fid {@code rootFid}), at most
     * {@code maxEntries} entries. Names containing {@code skipToken} (the suite's own scratch) are left out.
     */
    static ShareView discover(
            GuestSession session, int rootFid, List<SharePath> starts, int maxEntries, String skipToken)
            throws IOException {
        return new Discovery(session, rootFid, maxEntries, skipToken).run(starts);
    }

    /** One discovery pass; requests go through {@link GuestSession}, so each is also an audit probe. */
    private static final class Discovery {
        private static final int MAX_MISMATCHES = 40;

        private final GuestSession session;
        private final int rootFid;
        private final int maxEntries;
        private final String skipToken;
        private final String share;
        private final Map<SharePath, Entry> entries = new LinkedHashMap<>();
        private final List<String> mismatches = new ArrayList<>();
        private final Deque<SharePath> directories = new ArrayDeque<>();
        private final Set<SharePath> listed = new HashSet<>();
        private boolean truncated;
        private int requests;

        Discovery(GuestSession session, int rootFid, int maxEntries, String skipToken) {
            this.session = session;
            this.rootFid = rootFid;
            this.maxEntries = maxEntries;
            this.skipToken = skipToken;
            this.share = session.fid(rootFid).share();
        }

        ShareView run(List<SharePath> starts) throws IOException {
            for (SharePath start : starts) {
                if (!entries.containsKey(start)) {
                    visit(start);
                }
            }
            while (!directories.isEmpty() && !truncated) {
                list(directories.poll());
            }
            return new ShareView(Collections.unmodifiableMap(entries), List.copyOf(mismatches), truncated, requests);
        }

        /** Walks to {@code path}, reads its attributes (and the first byte of a file); lists a directory later. */
        private void visit(SharePath path) throws IOException {
            if (entries.size() >= maxEntries) {
                truncated = true;
                return;
            }
            Step walk = judged(session.walkTo(rootFid, path));
            if (!walk.ok()) {
                return;
            }
            int fid = walk.newFid();
            try {
                Step attr = judged(session.getattr(fid));
                if (!attr.ok()) {
                    return;
                }
                Entry entry = Entry.of(path, ((RMessage.Rgetattr) attr.reply().message()).attr());
                entries.put(path, entry);
                if (entry.isDirectory()) {
                    directories.add(path);
                } else if (entry.isFile()
                        && judged(session.lopen(fid, GuestSession.O_RDONLY)).ok()) {
                    judged(session.read(fid, 0, 1));
                }
            } finally {
                session.release(fid);
            }
        }

        private void list(SharePath dir) throws IOException {
            if (!listed.add(dir)) {
                return;
            }
            Step walk = judged(session.walkTo(rootFid, dir));
            if (!walk.ok()) {
                return;
            }
            int fid = walk.newFid();
            List<String> names = new ArrayList<>();
            try {
                if (!judged(session.lopen(fid, GuestSession.O_RDONLY | GuestSession.O_DIRECTORY))
                        .ok()) {
                    return;
                }
                long offset = 0;
                while (true) {
                    Step page = judged(session.readdir(fid, offset));
                    if (!page.ok()) {
                        return;
                    }
                    List<DirEntry> got = ((RMessage.Rreaddir) page.reply().message()).entries();
                    if (got.isEmpty()) {
                        break;
                    }
                    for (DirEntry e : got) {
                        if (!e.name().equals(".")
                                && !e.name().equals("..")
                                && !e.name().contains(skipToken)) {
                            names.add(e.name());
                        }
                    }
                    offset = got.getLast().offset();
                }
            } finally {
                session.release(fid);
            }
            for (String name : names) {
                SharePath child = dir.child(name);
                if (!session.oracle().visible(share, child)) {
                    mismatch("Treaddir " + dir + " lists " + child + ", which the policy hides");
                }
                if (!entries.containsKey(child)) {
                    visit(child);
                }
            }
        }

        /**
         * Compares one answer with the policy. An entry that is gone by the time it is walked (a name
         * listed, then removed by someone else on a live system) is not a mismatch.
         */
        private Step judged(Step step) {
            requests++;
            if (!step.asExpected() && !vanished(step)) {
                mismatch(step.request() + ": the policy says " + step.expected().describe() + ", the gateway answered "
                        + step.reply().describe());
            }
            return step;
        }

        private static boolean vanished(Step step) {
            return step.expected() != null
                    && step.expected().allowed()
                    && (step.reply().errno() == Errno.ENOENT || step.reply().partial());
        }

        private void mismatch(String line) {
            if (mismatches.size() < MAX_MISMATCHES) {
                mismatches.add(line);
            }
        }
    }
}
