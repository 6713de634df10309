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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A budget of {@code limits:} that a VM holds (R-ROB-2), filled from outside: on a connection of its own the suite
 * attaches, then takes one unit after another, each on a new clone of the root fid, pipelined, until the gateway
 * refuses one, at most one unit past the limit; then it closes the connection, which gives everything back. The
 * VM's other holdings (the suite's own session, the live VM's mounts) count too, so the refusal may come earlier: the
 * check shows the budget is never exceeded. While it holds the budget, the live VM's own requests of that kind are
 * refused too, for the time of the pipelined requests. Nothing on the host changes: a clone and an open change
 * nothing, and the xattr values announced are never written (their commit, should a gateway make one, replaces a
 * name that does not exist: ENODATA).
 */
final class BudgetFillCheck {
    /** Units in flight at once: walks, then the requests on them. */
    private static final int WINDOW = 64;

    private static final int ROOT = 1;

    /** The largest xattr value one Txattrcreate may announce (Linux's XATTR_SIZE_MAX; larger is E2BIG). */
    static final long XATTR_VALUE_MAX = 64 * 1024;

    private static final int XATTR_REPLACE = 2;

    private static final String XATTR_NAME = "user.p9gate-compliance-budget";

    /**
     * One budget and how a unit of it is taken. In the order they are filled: the fid budget last, since the others
     * take fids too and the gateway gives a closed connection's fids back a moment after the close.
     */
    enum Fill {
        XATTR_BYTES(
                Limit.XATTR_BYTES,
                Errno.ENOSPC,
                "Twalk of the root with no names into a new fid, Txattrcreate " + XATTR_NAME
                        + " (XATTR_REPLACE) announcing up to 64 KiB, never written",
                "bytes of xattr values announced"),
        DESCRIPTORS(
                Limit.DESCRIPTORS,
                Errno.EMFILE,
                "Twalk of the root with no names into a new fid, Tlopen O_RDONLY of it",
                "descriptors"),
        FIDS(Limit.FIDS, Errno.EMFILE, "Twalk of the root with no names into a new fid", "fids");

        final Limit limit;
        final Errno errno;
        final String request;
        final String what;

        Fill(Limit limit, Errno errno, String request, String what) {
            this.limit = limit;
            this.errno = errno;
            this.request = request;
            this.what = what;
        }

        /** Units sent at most: enough to pass the limit by one (the root fid is the first of the fids). */
        long units(long limit) {
            return switch (this) {
                case FIDS -> limit;
                case DESCRIPTORS -> limit + 1;
                case XATTR_BYTES -> (limit + XATTR_VALUE_MAX) / XATTR_VALUE_MAX;
            };
        }

        /** What unit {@code i} (from 0) adds to what is held; units together pass the limit by one. */
        long weight(long limit, long i) {
            return this == XATTR_BYTES ? Math.min(XATTR_VALUE_MAX, limit + 1 - i * XATTR_VALUE_MAX) : 1;
        }

        /** The request that takes unit of {@code size} on a walked clone {@code fid}, or null (the walk is the unit). */
        TMessage take(int fid, long size) {
            return switch (this) {
                case FIDS -> null;
                case DESCRIPTORS -> new TMessage.Tlopen(fid, GuestSession.O_RDONLY);
                case XATTR_BYTES -> new TMessage.Txattrcreate(fid, XATTR_NAME, size, XATTR_REPLACE);
            };
        }
    }

    private final CheckLog log;
    private final VmPolicy vm;
    private final VmTransport transport;
    private final AcceptRefusal accept;

    BudgetFillCheck(CheckLog log, VmPolicy vm, VmTransport transport, AcceptRefusal accept) {
        this.accept = accept;
        this.log = log;
        this.vm = vm;
        this.transport = transport;
    }

    /**
     * @param share   a share the suite may attach ({@code WALK /} allowed), or null (skipped)
     * @param uid     the guest uid it attaches as
     * @param most    the most units the suite sends for one budget (--max-creates, as for inode quotas): a budget
     *                that needs more is skipped
     */
    void run(Fill fill, String share, int uid, long most) {
        OptionalLong given = vm.limits().get(fill.limit);
        if (given.isEmpty()) {
            return;
        }
        long limit = given.getAsLong();
        String title = "limits." + fill.limit.key() + ": " + limit + " " + fill.what + " at once; more is refused with "
                + fill.errno;
        long units = fill.units(limit);
        if (share == null || units > most) {
            log.add(result(
                    fill,
                    title,
                    Status.SKIPPED,
                    "",
                    share == null
                            ? "not probed: no share the VM may attach"
                            : "not probed: filling it takes " + units + " requests, above --max-creates " + most));
            return;
        }
        CheckResult first = attempt(fill, share, uid, limit, units, title);
        if (first.status() == Status.SKIPPED) {
            // The fids of the suite's connection closed just before may not be given back yet: once more, later.
            try {
                Thread.sleep(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.add(first);
                return;
            }
            first = attempt(fill, share, uid, limit, units, title);
        }
        log.add(first);
    }

    private CheckResult attempt(Fill fill, String share, int uid, long limit, long units, String title) {
        try (P9Client client = transport.connect(8192)) {
            client.timeout(Duration.ofSeconds(30));
            try {
                client.version(8192, P9Client.VERSION);
            } catch (IOException e) {
                Optional<String> why = accept.refused(e);
                if (why.isPresent()) {
                    return result(fill, title, Status.SKIPPED, "", why.get());
                }
                throw e;
            }
            client.attach(ROOT, "p9gate-compliance", share, uid);
            return fill(fill, client, limit, units, title);
        } catch (P9Exception e) {
            // The VM's own fids may fill the fid budget already: the attach is then the walk refused.
            return refused(fill, title, "the Tattach", 0, e);
        } catch (IOException e) {
            return result(fill, title, Status.FAILED, "error", "the session broke: " + e.getMessage());
        }
    }

    /**
     * Walks of a window pipelined, then (once each fid exists: the gateway serves one connection's requests
     * concurrently) the requests that take a unit on them, pipelined.
     */
    private CheckResult fill(Fill fill, P9Client client, long limit, long units, String title) throws IOException {
        long held = fill == Fill.FIDS ? 1 : 0;
        for (long sent = 0; sent < units; ) {
            int batch = (int) Math.min(WINDOW, units - sent);
            List<PendingCall> walks = new ArrayList<>();
            for (int k = 0; k < batch; k++) {
                walks.add(client.send(new TMessage.Twalk(ROOT, fid(sent + k), List.of())));
            }
            List<PendingCall> takes = new ArrayList<>();
            for (int k = 0; k < batch; k++) {
                try {
                    client.await(walks.get(k));
                } catch (P9Exception e) {
                    return refused(fill, title, "the Twalk with " + held + " " + fill.what + " held", held, e);
                }
                TMessage take = fill.take(fid(sent + k), fill.weight(limit, sent + k));
                if (take == null) {
                    held++;
                } else {
                    takes.add(client.send(take));
                }
            }
            for (int k = 0; k < takes.size(); k++) {
                try {
                    client.await(takes.get(k));
                } catch (P9Exception e) {
                    return refused(fill, title, "the request with " + held + " " + fill.what + " held", held, e);
                }
                held += fill.weight(limit, sent + k);
            }
            sent += batch;
        }
        return result(
                fill,
                title,
                Status.FAILED,
                held + " " + fill.what + " held at once",
                "the gateway let one session of the VM hold more than its limit");
    }

    private static int fid(long unit) {
        return ROOT + 1 + (int) unit;
    }

    private CheckResult refused(Fill fill, String title, String what, long held, P9Exception e) {
        String seen = what + ": Rlerror " + e.errno();
        if (e.errno() == fill.errno) {
            return result(fill, title, Status.PASSED, seen, "");
        }
        if (fill != Fill.FIDS && e.errno() == Errno.EMFILE && what.startsWith("the T")) {
            // The walk or attach is the fid budget's: it came first, and says nothing about this one.
            return result(fill, title, Status.SKIPPED, seen, "not probed: the fid budget was reached first");
        }
        if (held == 0 && what.startsWith("the request")) {
            return result(
                    fill,
                    title,
                    Status.SKIPPED,
                    seen,
                    "not probed: the first request was refused, before "
                            + "anything was held (the policy's answer, not the budget's)");
        }
        return result(fill, title, Status.FAILED, seen, "the refusal of this budget is " + fill.errno);
    }

    private CheckResult result(Fill fill, String title, Status status, String seen, String note) {
        return new CheckResult(
                vm.id() + "/limits/" + fill.limit.key(),
                vm.id(),
                null,
                "R-ROB-2",
                title,
                status,
                "Tattach, then per unit: " + fill.request + ", pipelined; the connection closed",
                "Rlerror " + fill.errno + " before more than "
                        + vm.limits().get(fill.limit).orElse(0) + " " + fill.what + " are held",
                seen,
                note,
                List.of());
    }
}
