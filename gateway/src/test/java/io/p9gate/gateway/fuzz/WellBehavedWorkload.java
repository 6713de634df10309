package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What the well-behaved VM of {@link PolicyFuzzTest} does after the hostile VM's sequence, on its share {@code /w}:
 * reads its read-only configuration, makes, writes, reads back, locks, lists, renames and removes a file of its own
 * in {@code /gw} (read-only for the hostile VM), and lists its root. Every answer must be what its own policy
 * promises, whatever the hostile VM did.
 */
final class WellBehavedWorkload {
    private WellBehavedWorkload() {}

    /** The problems found: a wrong answer or a refusal. */
    static List<String> run(P9Client good, Path share, long seed) {
        return run(good, share, seed, false);
    }

    /**
     * As {@link #run(P9Client, Path, long)}; where {@code othersWriteHere} (other VMs change the share's root while it
     * runs) the root's listing is checked for what must and must not be in it, not against the host's listing.
     */
    static List<String> run(P9Client good, Path share, long seed, boolean othersWriteHere) {
        List<String> problems = new ArrayList<>();
        String step = "attach";
        try {
            good.attach(0, "root", "g", 0);
            step = "read /cfg/conf";
            good.walk(0, 1, "cfg", "conf");
            good.lopen(1, 0);
            String conf = new String(good.read(1, 0, 4096), StandardCharsets.UTF_8);
            expect(problems, step, HostileTree.GOOD_CONF, conf);
            good.clunk(1);
            step = "write /gw/mine";
            String name = "mine" + seed;
            byte[] data = ("written by the well-behaved VM " + seed).getBytes(StandardCharsets.UTF_8);
            good.walk(0, 2, "gw");
            good.lcreate(2, name, 0102, 0644, 0);
            expect(problems, step, data.length, good.write(2, 0, data));
            step = "lock /gw/mine";
            var lock = good.rpc(new TMessage.Tlock(2, 1, 0, 0, 0, 42, "good"));
            expect(problems, step, "Rlock[status=0]", lock.toString());
            step = "read back /gw/mine";
            expect(
                    problems,
                    step,
                    new String(data, StandardCharsets.UTF_8),
                    new String(good.read(2, 0, 4096), StandardCharsets.UTF_8));
            good.fsync(2, false);
            good.clunk(2);
            step = "list /gw";
            expect(
                    problems,
                    step,
                    List.of(name).toString(),
                    listing(good, List.of("gw")).toString());
            step = "list /";
            TreeSet<String> root = listing(good, List.of());
            if (othersWriteHere) {
                expect(
                        problems,
                        step,
                        "cfg gw, no private",
                        (root.contains("cfg") && root.contains("gw") ? "cfg gw" : root)
                                + (root.contains("private") ? ", private" : ", no private"));
            } else {
                TreeSet<String> hostRoot = new TreeSet<>(HostileTree.names(share));
                hostRoot.remove("private");
                expect(problems, step, hostRoot.toString(), root.toString());
            }
            step = "walk /private";
            try {
                good.walk(0, 4, "private");
                problems.add("well-behaved VM: walked its hidden /private");
            } catch (P9Exception e) {
                expect(problems, step, Errno.ENOENT, e.errno());
            }
            step = "rename and remove /gw/mine";
            good.walk(0, 5, "gw");
            good.renameat(5, name, 5, name + ".old");
            good.unlinkat(5, name + ".old", 0);
            good.clunk(5);
            good.clunk(0);
        } catch (Exception e) {
            problems.add("well-behaved VM: " + step + ": " + e);
        }
        return problems;
    }

    private static TreeSet<String> listing(P9Client good, List<String> path) throws Exception {
        good.walk(0, 3, path.toArray(String[]::new));
        good.lopen(3, 0200000);
        TreeSet<String> names = new TreeSet<>();
        long offset = 0;
        for (List<DirEntry> page; !(page = good.readdir(3, offset, 8192)).isEmpty(); ) {
            for (DirEntry e : page) {
                names.add(e.name());
                offset = e.offset();
            }
        }
        good.clunk(3);
        names.remove(".");
        names.remove("..");
        return names;
    }

    private static void expect(List<String> problems, String step, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            problems.add("well-behaved VM: " + step + ": expected " + expected + ", got " + actual);
        }
    }
}
