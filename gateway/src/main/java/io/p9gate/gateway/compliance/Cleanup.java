package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what the suite made in a share: every entry whose name carries the run's token, in the directory
 * that holds them (with everything below a directory of its own), as the VM itself (every removal is a
 * request the gateway decides and records like any other).
 */
final class Cleanup {
    private final GuestSession session;
    private final int root;
    private final String token;
    private final List<String> failures = new ArrayList<>();

    Cleanup(GuestSession session, int root, String token) {
        this.session = session;
        this.root = root;
        this.token = token;
    }

    /** Removes the token's entries in {@code dir}; what could not be removed, one line each. */
    List<String> removeIn(SharePath dir) throws IOException {
        for (DirEntry e : list(dir)) {
            if (e.name().contains(token)) {
                removeTree(dir, e.name(), e.qid().isDirectory());
            }
        }
        return List.copyOf(failures);
    }

    /** Names of the token's entries still in {@code dir}. */
    List<String> leftIn(SharePath dir) throws IOException {
        return list(dir).stream()
                .map(DirEntry::name)
                .filter(n -> n.contains(token))
                .toList();
    }

    private void removeTree(SharePath parent, String name, boolean directory) throws IOException {
        SharePath path = parent.child(name);
        if (directory) {
            for (DirEntry e : list(path)) {
                removeTree(path, e.name(), e.qid().isDirectory());
            }
        }
        Step walked = session.walkTo(root, parent);
        if (!walked.ok()) {
            failures.add(
                    path + ": cannot reach its directory (" + walked.reply().describe() + ")");
            return;
        }
        Step removed = session.unlinkat(walked.newFid(), name, directory ? GuestSession.AT_REMOVEDIR : 0);
        session.release(walked.newFid());
        if (!removed.ok()) {
            failures.add(path + ": " + removed.reply().describe());
        }
    }

    private List<DirEntry> list(SharePath dir) throws IOException {
        return Listing.entries(session, root, dir);
    }
}
