package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Lists directories as the VM sees them (every Treaddir a request the gateway decides and records). */
final class Listing {
    private Listing() {}

    /** The entries of {@code dir} other than {@code .} and {@code ..}; empty if the VM cannot list it. */
    static List<DirEntry> entries(GuestSession session, int root, SharePath dir) throws IOException {
        List<DirEntry> out = new ArrayList<>();
        Step walked = session.walkTo(root, dir);
        if (!walked.ok()) {
            return out;
        }
        int fid = walked.newFid();
        try {
            if (!session.lopen(fid, GuestSession.O_RDONLY | GuestSession.O_DIRECTORY)
                    .ok()) {
                return out;
            }
            long offset = 0;
            while (true) {
                Step page = session.readdir(fid, offset);
                List<DirEntry> got =
                        page.ok() ? ((RMessage.Rreaddir) page.reply().message()).entries() : List.of();
                if (got.isEmpty()) {
                    return out;
                }
                got.stream()
                        .filter(e -> !e.name().equals(".") && !e.name().equals(".."))
                        .forEach(out::add);
                offset = got.getLast().offset();
            }
        } finally {
            session.release(fid);
        }
    }

    /**
     * How many entries lie below {@code dir} (itself not counted), as far as the VM can list them; -1 as soon as
     * there are more than {@code cap}. Hidden entries are not seen, so this is at most what the gateway counts.
     */
    static long countBelow(GuestSession session, int root, SharePath dir, long cap) throws IOException {
        long count = 0;
        Deque<SharePath> pending = new ArrayDeque<>(List.of(dir));
        while (!pending.isEmpty()) {
            SharePath next = pending.poll();
            for (DirEntry e : entries(session, root, next)) {
                if (++count > cap) {
                    return -1;
                }
                if (e.qid().isDirectory()) {
                    pending.add(next.child(e.name()));
                }
            }
        }
        return count;
    }
}
