package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code limits.fids} (R-ROB-2): on a connection of its own, the suite attaches and clones the root fid (Twalk with
 * no names) until the gateway refuses one with EMFILE, at most <i>limit</i> fids in all, then closes the connection,
 * which gives every fid back. The VM's other fids (the suite's own session, the live VM's mounts) count too, so the
 * refusal may come earlier: the check shows the budget is never exceeded. While it holds the budget, the live VM's own
 * walks are refused too; the walks are pipelined, so that lasts the time of <i>limit</i> walks.
 */
final class FidBudgetCheck {
    /** Walks in flight at once. */
    private static final int WINDOW = 64;

    private static final int ROOT = 1;

    private final CheckLog log;
    private final VmPolicy vm;
    private final VmTransport transport;

    FidBudgetCheck(CheckLog log, VmPolicy vm, VmTransport transport) {
        this.log = log;
        this.vm = vm;
        this.transport = transport;
    }

    /**
     * @param share   a share the suite may attach ({@code WALK /} allowed), or null (skipped)
     * @param uid     the guest uid it attaches as
     * @param most    the largest limit the suite fills (--max-creates, as for inode quotas): a larger one is skipped
     */
    void run(String share, int uid, long most) {
        OptionalLong given = vm.limits().get(Limit.FIDS);
        if (given.isEmpty()) {
            return;
        }
        long limit = given.getAsLong();
        String title = "limits.fids: " + limit + " fids at once; the next walk is refused with EMFILE";
        if (share == null || limit > most) {
            log.add(result(
                    title,
                    Status.SKIPPED,
                    "",
                    share == null
                            ? "not probed: no share the VM may attach"
                            : "not probed: the limit is above --max-creates " + most));
            return;
        }
        try (P9Client client = transport.connect(8192)) {
            client.timeout(Duration.ofSeconds(30));
            client.version(8192, P9Client.VERSION);
            client.attach(ROOT, "p9gate-compliance", share, uid);
            long held = 1;
            ArrayDeque<PendingCall> inFlight = new ArrayDeque<>();
            int next = ROOT + 1;
            while (true) {
                while (inFlight.size() < WINDOW && next - ROOT <= limit) {
                    inFlight.add(client.send(new TMessage.Twalk(ROOT, next++, List.of())));
                }
                if (inFlight.isEmpty()) {
                    log.add(result(
                            title,
                            Status.FAILED,
                            held + " fids held at once",
                            "the gateway let one session of the VM hold more fids than its limit"));
                    return;
                }
                try {
                    client.await(inFlight.poll());
                    held++;
                } catch (P9Exception e) {
                    log.add(refused(title, "fid " + (held + 1) + " of this session", e));
                    return;
                }
            }
        } catch (P9Exception e) {
            // The VM's own fids may fill the budget already: the attach is then the walk refused.
            log.add(refused(title, "the Tattach", e));
        } catch (IOException e) {
            log.add(result(title, Status.FAILED, "error", "the session broke: " + e.getMessage()));
        }
    }

    private CheckResult refused(String title, String what, P9Exception e) {
        boolean budget = e.errno() == Errno.EMFILE;
        return result(
                title,
                budget ? Status.PASSED : Status.FAILED,
                what + ": Rlerror " + e.errno(),
                budget ? "" : "the refusal of the fid budget is EMFILE");
    }

    private CheckResult result(String title, Status status, String seen, String note) {
        return new CheckResult(
                vm.id() + "/limits/fids",
                vm.id(),
                null,
                "R-ROB-2",
                title,
                status,
                "Tattach, then Twalk of the root with no names into new fids, pipelined; the connection closed",
                "Rlerror EMFILE at the latest for fid "
                        + (vm.limits().get(Limit.FIDS).orElse(0) + 1),
                seen,
                note,
                List.of());
    }
}
