package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.util.ArrayList;
import java.util.List;

/** Twalk's two halves: the paths the policy sees, and the confined lookups GuardedFs runs once allowed. */
final class Walks {
    private Walks() {
    }

    /** Walks {@code names} one confined lookup at a time; stops early (node null) if a later name fails. */
    static GuardedFs.Walked walk(LocalShare share, Node from, List<String> names) throws P9Exception {
        List<Qid> qids = new ArrayList<>();
        Node cursor = from.share();
        try {
            for (String name : names) {
                Node next;
                try {
                    next = share.root().lookup(cursor, name);
                } catch (P9Exception e) {
                    if (qids.isEmpty()) {
                        throw e;
                    }
                    cursor.close();
                    return new GuardedFs.Walked(qids, null);
                }
                cursor.close();
                cursor = next;
                qids.add(GuardedFs.qid(share, cursor));
            }
            if (!names.isEmpty()) {
                // The host may have moved a directory out of the share while the walk passed through it.
                share.root().relativePath(cursor);
            }
            return new GuardedFs.Walked(qids, cursor);
        } catch (P9Exception | RuntimeException e) {
            cursor.close();
            throw e;
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
