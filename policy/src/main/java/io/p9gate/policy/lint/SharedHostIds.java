package io.p9gate.policy.lint;

import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Two VMs whose shares overlap on the host (the same directory, or one inside the other) and whose id maps give
 * some guest ids of each the same host ids, where one of them may write. The owner a VM sees is the host owner
 * mapped back through its own map, so what the writer makes there is owned, in the other VM's view, by that VM's
 * own users: a set-uid file the writer's root makes is a set-uid-root program in the other VM, a file it drops into
 * a directory the other VM's root trusts is root's own. Each VM needs host ids of its own (R-POL-5).
 */
final class SharedHostIds {
    private SharedHostIds() {}

    static List<LintFinding> in(PolicyFile policy) {
        List<LintFinding> out = new ArrayList<>();
        for (VmPolicy writer : policy.vms().values()) {
            for (VmPolicy reader : policy.vms().values()) {
                if (writer.id().equals(reader.id())) {
                    continue;
                }
                Optional<String> shared = sharedIds(writer, reader);
                if (shared.isEmpty()) {
                    continue;
                }
                for (SharePolicy written : writer.shares().values()) {
                    if (!HiddenFromOtherWriters.mayChange(written)) {
                        continue;
                    }
                    for (SharePolicy read : reader.shares().values()) {
                        if (overlap(written, read)) {
                            out.add(finding(writer, written, reader, read, shared.get()));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static LintFinding finding(
            VmPolicy writer, SharePolicy written, VmPolicy reader, SharePolicy read, String shared) {
        return new LintFinding(
                read.pos(),
                "share '" + read.name() + "' of VM '" + reader.id() + "' (" + read.hostDir() + ") overlaps share '"
                        + written.name() + "' (" + written.hostDir() + ") where VM '" + writer.id()
                        + "' may write, and both VMs map " + shared + ": what '" + writer.id()
                        + "' makes there is owned by '" + reader.id() + "''s own users in its view, and a set-uid"
                        + " file runs as them (give each VM host ids of its own)");
    }

    private static boolean overlap(SharePolicy a, SharePolicy b) {
        return a.hostDir().startsWith(b.hostDir()) || b.hostDir().startsWith(a.hostDir());
    }

    /** The first host uid (else gid) both VMs map, as text naming what it is in the reader, or empty. */
    private static Optional<String> sharedIds(VmPolicy writer, VmPolicy reader) {
        Optional<Long> uid = firstShared(writer.ids().uids(), reader.ids().uids());
        if (uid.isPresent()) {
            return Optional.of(describe("uid", uid.get(), reader.ids().uidToGuest(uid.get()), reader));
        }
        return firstShared(writer.ids().gids(), reader.ids().gids())
                .map(gid -> describe("gid", gid, reader.ids().gidToGuest(gid), reader));
    }

    private static String describe(String kind, long host, long guest, VmPolicy reader) {
        return "host " + kind + " " + host + " (guest " + kind + " " + guest + " of '" + reader.id() + "')";
    }

    /** The lowest host id both mappings map on purpose (a range or a squash; never the overflow id). */
    private static Optional<Long> firstShared(IdMapping a, IdMapping b) {
        Optional<Long> first = Optional.empty();
        for (long[] x : hostIntervals(a)) {
            for (long[] y : hostIntervals(b)) {
                long lo = Math.max(x[0], y[0]);
                if (lo < Math.min(x[1], y[1]) && (first.isEmpty() || lo < first.get())) {
                    first = Optional.of(lo);
                }
            }
        }
        return first;
    }

    /** The host ids a mapping maps, as half-open intervals. */
    private static List<long[]> hostIntervals(IdMapping m) {
        if (m.squash() != null) {
            return List.of(new long[] {m.squash(), m.squash() + 1});
        }
        List<long[]> out = new ArrayList<>();
        for (IdRange r : m.ranges()) {
            out.add(new long[] {r.hostStart(), r.hostStart() + r.count()});
        }
        return out;
    }
}
