package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The VM is its transport, never what a request says (R-DEP-1): on a new connection of this VM's listener, a Tattach
 * of another VM's share whose uname names that VM is refused as any foreign share is. It is the connection's first
 * request, where a gateway taking the VM from 9P would bind the session. The suite's other attaches all say
 * "p9gate-compliance", which names no VM: a gateway that made a session the VM its uname names passed them all
 * (UnameIdentityComplianceTest). A share name this VM has too is claimed as well: the attach must reach this VM's own
 * share (its root qid), not the other VM's one of that name.
 */
final class ClaimedVmChecks {
    private static final int MSIZE = 8192;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int FID = 1;
    private static final int WALKED = 2;
    /** How deep and how many host entries are tried for a walk that tells two VMs' policies of one directory apart. */
    private static final int TELLING_DEPTH = 3;

    private static final int TELLING_ENTRIES = 2000;

    private final CheckLog log;
    private final VmTransport transport;
    private final VmPolicy vm;
    private final AcceptRefusal accept;
    private final int uid;
    /** The root qid of each of this VM's shares its main session attached (absent: refused). */
    private final Map<String, Qid> ownRoots;

    private final PolicyEngine engine;
    /** This VM's answers, as the policy gives them to the suite's uid. */
    private final Oracle mine;
    /** Why no new connection can be probed now; empty while they are served. */
    private Optional<String> refusedAtAccept = Optional.empty();

    ClaimedVmChecks(
            CheckLog log,
            VmTransport transport,
            VmPolicy vm,
            int uid,
            Map<String, Qid> ownRoots,
            PolicyEngine engine,
            AcceptRefusal accept) {
        this.log = log;
        this.accept = accept;
        this.engine = engine;
        this.transport = transport;
        this.vm = vm;
        this.uid = uid;
        this.ownRoots = ownRoots;
        this.mine = new Oracle(engine, vm.id(), Integer.toUnsignedLong(uid));
    }

    /**
     * One check per share of each other VM: refused, or where this VM has that name too, this VM's own share. Each
     * claim is a new connection's first request: all are skipped where the gateway closes them at accept, the VM's
     * limits.connections reached ({@link AcceptRefusal}).
     */
    void run(Collection<VmPolicy> vms) {
        refusedAtAccept = accept.now();
        for (VmPolicy other : vms) {
            if (other.id().equals(vm.id())) {
                continue;
            }
            for (String share : other.shares().keySet()) {
                if (vm.shares().containsKey(share)) {
                    claimOwn(other, share);
                } else {
                    claim(other.id(), share);
                }
            }
        }
    }

    /**
     * Tattach of a name both VMs have, claiming the other VM in uname: a gateway taking the VM from uname hands over
     * the other VM's directory (UnameIdentityComplianceTest). The root qid tells the two apart; where both are one host
     * directory, a walk the two VMs' policies answer differently does.
     */
    private void claimOwn(VmPolicy other, String share) {
        String request = request(other.id(), share);
        Qid own = ownRoots.get(share);
        Path dir = vm.shares().get(share).hostDir();
        boolean oneDirectory = sameDirectory(dir, other.shares().get(share).hostDir());
        Optional<List<String>> telling = oneDirectory ? tellingWalk(other.id(), share, dir) : Optional.empty();
        boolean walkAllowed = telling.map(
                        names -> mine.walk(share, SharePath.ROOT, names).allowed())
                .orElse(false);
        String walk = telling.map(names -> "/" + String.join("/", names)).orElse("");
        String expected = own == null
                ? "refused, as " + vm.id() + "'s own Tattach of " + share + " was"
                : "Rattach qid path " + Long.toHexString(own.path()) + " (" + vm.id() + "'s own " + share + ")"
                        + (telling.isPresent() ? "; Twalk " + walk + (walkAllowed ? " reaches it" : " refused") : "");
        Status status;
        String seen = "";
        String message = "";
        if (refusedAtAccept.isPresent()) {
            status = Status.SKIPPED;
            message = refusedAtAccept.get();
        } else if (oneDirectory && telling.isEmpty()) {
            status = Status.SKIPPED;
            message = "both VMs' " + share + " is " + dir + ", and no walk there is answered differently by their "
                    + "policies: nothing tells whose share an attach reached";
        } else {
            try (P9Client c = connected()) {
                try {
                    Qid qid = c.attach(FID, other.id(), share, uid);
                    seen = "Rattach qid path " + Long.toHexString(qid.path());
                    boolean ours = own != null && own.path() == qid.path();
                    if (ours && telling.isPresent()) {
                        boolean reached = reaches(c, telling.get());
                        seen += "; Twalk " + walk + (reached ? " reached it" : " refused");
                        ours = reached == walkAllowed;
                    }
                    c.clunk(FID);
                    status = ours ? Status.PASSED : Status.FAILED;
                    message = ours
                            ? ""
                            : "the gateway took " + vm.id() + "'s connection for " + other.id()
                                    + " by Tattach's uname: the VM must come from the transport";
                } catch (P9Exception e) {
                    seen = "Rlerror " + e.errno();
                    status = own == null ? Status.PASSED : Status.FAILED;
                    message =
                            own == null ? "" : "refused, while " + vm.id() + "'s own Tattach of " + share + " attached";
                }
            } catch (IOException | P9Exception e) {
                status = Status.FAILED;
                seen = "error";
                message = e.getMessage() != null ? e.getMessage() : e.toString();
            }
        }
        log.add(new CheckResult(
                vm.id() + "/" + share + "/attach/uname-" + other.id(),
                vm.id(),
                share,
                "R-DEP-1",
                "Tattach of " + share + " claiming to be " + other.id() + " (which has a share " + share
                        + " too) in uname reaches " + vm.id() + "'s own " + share,
                status,
                request,
                expected,
                seen,
                message,
                List.of()));
    }

    /**
     * A new connection of the VM, its Tversion answered; tried again where the gateway closes it before the place of
     * the connection closed just before is given back ({@link AcceptRefusal#again}).
     */
    private P9Client connected() throws IOException, P9Exception {
        for (int tried = 1; ; tried++) {
            P9Client c = transport.connect(MSIZE);
            try {
                c.timeout(TIMEOUT);
                c.version(MSIZE, P9Client.VERSION);
                return c;
            } catch (IOException | P9Exception | RuntimeException e) {
                c.close();
                if (!accept.again(e, tried)) {
                    throw e;
                }
            }
        }
    }

    /** The request both claims send, as the report shows it. */
    private String request(String other, String share) {
        return "new connection; Tattach aname=\"" + share + "\" uname=\"" + other + "\" n_uname=" + uid;
    }

    /** Whether a Twalk from the attached root through {@code names} reaches the last one. */
    private static boolean reaches(P9Client c, List<String> names) throws IOException {
        try {
            boolean reached = c.walk(FID, WALKED, names.toArray(String[]::new)).size() == names.size();
            if (reached) {
                c.clunk(WALKED);
            }
            return reached;
        } catch (P9Exception e) {
            return false;
        }
    }

    /**
     * The names of the first path in the host directory (shallowest first, up to {@link #TELLING_ENTRIES}) whose walk
     * this VM's policy and {@code other}'s answer differently; empty where the suite cannot read it or none differs.
     */
    private Optional<List<String>> tellingWalk(String other, String share, Path dir) {
        Oracle theirs = new Oracle(engine, other, Integer.toUnsignedLong(uid));
        try (Stream<Path> paths = Files.walk(dir, TELLING_DEPTH)) {
            return paths.skip(1)
                    .limit(TELLING_ENTRIES)
                    .map(p -> {
                        List<String> names = new ArrayList<>();
                        dir.relativize(p).forEach(n -> names.add(n.toString()));
                        return names;
                    })
                    .sorted(Comparator.comparingInt(List::size))
                    .filter(names -> mine.walk(share, SharePath.ROOT, names).allowed()
                            != theirs.walk(share, SharePath.ROOT, names).allowed())
                    .findFirst();
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Whether two host directories are one (the suite may not see the host: then their names). */
    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException | SecurityException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    private void claim(String other, String share) {
        Seen seen = refusedAtAccept.isPresent()
                ? new Seen(Status.SKIPPED, "", refusedAtAccept.get())
                : attachClaiming(other, share);
        log.add(new CheckResult(
                vm.id() + "/attach-refused/" + share + "/uname-" + other,
                vm.id(),
                null,
                "R-DEP-1",
                "Tattach of " + other + "'s share " + share + " claiming to be " + other
                        + " in uname is refused (the VM is the listener)",
                seen.status(),
                request(other, share),
                "Rlerror ENOENT or EACCES",
                seen.seen(),
                seen.message(),
                List.of()));
    }

    /** A claim's result: its status, what the gateway answered and the note. */
    private record Seen(Status status, String seen, String message) {}

    /** On a new connection, Tattach of {@code other}'s share {@code share} with uname {@code other}: refused passes. */
    private Seen attachClaiming(String other, String share) {
        try (P9Client c = connected()) {
            try {
                c.attach(FID, other, share, uid);
                c.clunk(FID);
                return new Seen(
                        Status.FAILED,
                        "attached",
                        "the gateway took " + vm.id() + "'s connection for " + other
                                + " by Tattach's uname: the VM must come from the transport");
            } catch (P9Exception e) {
                boolean refused = e.errno() == Errno.ENOENT || e.errno() == Errno.EACCES;
                return new Seen(
                        refused ? Status.PASSED : Status.FAILED,
                        "Rlerror " + e.errno(),
                        refused ? "" : "refused with " + e.errno() + ", not ENOENT or EACCES");
            }
        } catch (IOException | P9Exception e) {
            return new Seen(Status.FAILED, "error", e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }
}
