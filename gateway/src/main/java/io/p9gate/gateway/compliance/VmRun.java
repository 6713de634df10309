package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every check of one VM: its listener (reached as that VM, R-DEP-1), protocol conformance, attaching its own
 * shares and not another VM's, then each share in turn.
 */
final class VmRun {
    /** The msize of the suite's own session: large enough for big listings, far from any limit. */
    private static final int MSIZE = 256 * 1024;

    private final Suite suite;
    private final VmPolicy vm;
    private VmTransport transport;
    /** Closes at accept of the VM's new connections, taken for its limits.connections, noted for the audit check. */
    private AcceptRefusal accept;

    private String clientCertNotProbed;
    private GuestSession session;
    private boolean idsDone;
    /** Sessions as other guest ids, for replayed policy test cases: by "uid:gid". */
    private final Map<String, IdSession> replaySessions = new LinkedHashMap<>();
    /** The main session's attach of each share. */
    private final Map<String, Step> mainRoots = new LinkedHashMap<>();
    /** Connections whose session has sent its hello walk. */
    private final Set<Integer> helloed = new HashSet<>();

    /** A session as one guest uid/gid, with the root fids of the shares it attached. */
    record IdSession(GuestSession session, Map<String, Step> roots) {
        /** The share's attach on this session (made once); null when the connection failed. */
        Step root(String share, VmRun vm) {
            return roots.computeIfAbsent(share, name -> vm.attachQuietly(session, name));
        }
    }

    /** What the VM runs share with the suite as a whole. */
    interface Suite {
        PolicyEngine engine();

        /** The policy test cases to replay, if {@code --tests} was given. */
        Optional<CaseReplay> replay();

        SuiteOptions options();

        CheckLog log();

        ProbeLog probes();

        String token();

        int nextConnection();

        /** What a run stopped half-way must still remove. */
        StopCleanup stops();
    }

    VmRun(Suite suite, VmPolicy vm) {
        this.suite = suite;
        this.vm = vm;
    }

    String name() {
        return vm.id();
    }

    CheckLog log() {
        return suite.log();
    }

    SuiteOptions options() {
        return suite.options();
    }

    String token() {
        return suite.token();
    }

    GuestSession session() {
        return session;
    }

    Optional<HostShare> host(SharePolicy share) {
        return HostShare.open(share.hostDir());
    }

    /** The one check of the VM's listener (R-DEP-1): whether the suite could connect and agree on 9P2000.L. */
    private CheckResult listenerCheck(
            String title, Status status, String request, String expected, String seen, String note) {
        return new CheckResult(
                vm.id() + "/listener",
                vm.id(),
                null,
                "R-DEP-1",
                title,
                status,
                request,
                expected,
                seen,
                note,
                List.of());
    }

    /**
     * Why the VM's {@code client-cert:} pin was not probed, or null once {@link ClientCertChecks} ran (or the VM has
     * no pin).
     */
    String clientCertNotProbed() {
        return clientCertNotProbed;
    }

    void run() throws IOException {
        CheckLog log = suite.log();
        transport = VmTransport.of(
                vm.listen(), Optional.ofNullable(suite.options().tls().get(vm.id())));
        if (vm.listen() instanceof ListenerSpec.Tls) {
            clientCertNotProbed = transport instanceof VmTransport.MutualTls
                    ? "the VM's listener could not be used with its certificate"
                    : "the suite holds no certificate of the VM: give its certificate and key with --tls-cert "
                            + TlsCertificate.USAGE + " to show that others are refused";
        }
        accept =
                new AcceptRefusal(transport, vm, suite.probes(), suite.options().auditLog() != null);
        log.say("VM " + vm.id() + " on " + transport.describe());
        ListenerChecks listener = new ListenerChecks(log, vm, transport, suite.probes());
        String listenerTitle = "the VM's listener " + transport.describe() + " serves 9P2000.L";
        if (transport.unavailable().isPresent()) {
            log.add(listenerCheck(
                    listenerTitle,
                    Status.SKIPPED,
                    "",
                    "",
                    "",
                    transport.unavailable().get() + "; none of this VM's checks ran"));
            return;
        }
        Oracle oracle = new Oracle(
                suite.engine(), vm.id(), Integer.toUnsignedLong(suite.options().uid()));
        // The pin first, while the suite holds no connection of the VM (ClientCertChecks#report).
        ClientCertChecks certs =
                transport instanceof VmTransport.MutualTls tls ? new ClientCertChecks(log, vm, tls, accept) : null;
        if (certs != null) {
            certs.probe();
        }
        P9Client client;
        String expected = "Rversion \"" + P9Client.VERSION + "\"";
        try {
            client = connectMain();
        } catch (IOException | P9Exception e) {
            log.add(listenerCheck(
                    listenerTitle,
                    Status.FAILED,
                    "connect, Tversion",
                    expected,
                    "error",
                    e.getMessage() + "; none of this VM's checks ran"));
            return;
        }
        log.add(listenerCheck(
                listenerTitle,
                Status.PASSED,
                "connect, Tversion",
                expected,
                expected + " msize " + client.msize(),
                ""));
        listener.socketFile();
        if (certs != null) {
            certs.report(true);
            clientCertNotProbed = null;
        }
        String attachable = vm.shares().keySet().stream()
                .filter(s -> oracle.decide(s, OpKind.WALK, SharePath.ROOT).allowed())
                .findFirst()
                .orElse(null);
        new ProtocolChecks(log, transport, vm, attachable, accept).run();
        session = new GuestSession(
                client,
                suite.nextConnection(),
                oracle,
                suite.probes(),
                suite.options().uid(),
                suite.options().gid());
        suite.stops().opened(session);
        try {
            Map<SharePolicy, Step> attached = new LinkedHashMap<>();
            for (SharePolicy share : vm.shares().values()) {
                Step step = attach(share);
                attached.put(share, step);
                mainRoots.put(share.name(), step);
            }
            foreignShares();
            Map<String, Qid> ownRoots = new LinkedHashMap<>();
            attached.forEach((share, step) -> {
                if (step.ok()) {
                    ownRoots.put(share.name(), ((RMessage.Rattach) step.reply().message()).qid());
                }
            });
            new ClaimedVmChecks(log, transport, vm, suite.options().uid(), ownRoots, suite.engine(), accept)
                    .run(suite.engine().policy().vms().values());
            for (Map.Entry<SharePolicy, Step> e : attached.entrySet()) {
                Step step = e.getValue();
                if (step.ok()) {
                    new ShareRun(
                                    this,
                                    e.getKey(),
                                    step.newFid(),
                                    ownRoots.get(e.getKey().name()))
                            .run();
                }
            }
            unplacedCases();
            replaySessions.values().forEach(s -> {
                if (s.session() != session) {
                    s.session().close();
                }
            });
            BudgetFillCheck budgets = new BudgetFillCheck(log, vm, transport, accept);
            for (BudgetFillCheck.Fill fill : BudgetFillCheck.Fill.values()) {
                budgets.run(
                        fill, attachable, suite.options().uid(), suite.options().maxCreates());
            }
            listener.connectionBudget(1);
        } finally {
            session.close();
            replaySessions.values().forEach(s -> s.session().close());
        }
    }

    /**
     * The suite's main connection, negotiated. Tried again where the gateway closes it at accept for the VM's
     * limits.connections ({@link AcceptRefusal#again}): the place of a connection closed just before (the client-cert
     * checks' last) is given back only once its session has ended, a moment later.
     */
    private P9Client connectMain() throws IOException, P9Exception {
        for (int tried = 1; ; tried++) {
            P9Client client = transport.connect(MSIZE);
            try {
                RMessage.Rversion v = client.version(MSIZE, P9Client.VERSION);
                if (!P9Client.VERSION.equals(v.version())) {
                    throw new IOException("Rversion \"" + v.version() + "\"");
                }
                return client;
            } catch (IOException | P9Exception e) {
                client.close();
                if (!accept.again(e, tried)) {
                    throw e;
                }
            }
        }
    }

    /** Tattach of one of the VM's own shares; the first one attached also identifies the session in the audit log. */
    private Step attach(SharePolicy share) throws IOException {
        Attempt a = new Attempt(
                suite.log(),
                session,
                vm.id() + "/" + share.name() + "/attach",
                share.name(),
                "R-DEP-1",
                "Tattach of the VM's share " + share.name() + " on its listener");
        Step step = a.probe(session.attach(share.name()));
        hello(session, step);
        a.finishIfOpen();
        return step;
    }

    /**
     * After a session's first successful attach, a walk to a name nobody else uses: the audit check finds the
     * session's records by it.
     */
    private void hello(GuestSession s, Step attach) throws IOException {
        if (attach.ok() && !helloed.contains(s.connection())) {
            helloed.add(s.connection());
            s.release(s.walk(attach.newFid(), token() + "-hello-" + s.connection())
                    .newFid());
        }
    }

    /** Replays the policy test cases of one share, each as its uid and gid (R-POL-2). */
    void replay(
            SharePolicy share, ShareView view, Optional<Probing.OwnPlace> own, String idPrefix, Set<SharePath> touched)
            throws IOException {
        Optional<CaseReplay> replay = suite.replay();
        if (replay.isEmpty()) {
            return;
        }
        for (CaseReplay.Placed placed : replay.get().casesOf(suite.engine().policy(), vm.id(), share.name())) {
            IdSession as;
            try {
                as = sessionAs((int) placed.c().uid(), (int) placed.c().gid());
            } catch (IOException e) {
                new Attempt(
                                suite.log(),
                                session,
                                idPrefix + "/" + placed.slug(),
                                share.name(),
                                "R-POL-2",
                                "policy test case \"" + placed.c().name() + "\"")
                        .skip(refusedAtAccept(e));
                continue;
            }
            Step root = as.root(share.name(), this);
            if (root == null || !root.ok()) {
                new Attempt(
                                suite.log(),
                                as.session(),
                                idPrefix + "/" + placed.slug(),
                                share.name(),
                                "R-POL-2",
                                "policy test case \"" + placed.c().name() + "\"")
                        .skip("cannot attach " + share.name() + " as uid "
                                + placed.c().uid() + ": "
                                + (root == null
                                        ? "connection failed"
                                        : root.reply().describe()));
                continue;
            }
            Probing probing =
                    new Probing(as.session(), root.newFid(), share.name(), view, own, token(), p -> false, touched);
            CaseReplay.run(suite.log(), probing, idPrefix, placed);
        }
    }

    /**
     * Closes the session as {@code uid}:{@code gid} now, unless it is the main one: it holds one of the VM's connections
     * ({@code limits.connections}) that later checks may need.
     */
    void closeSessionAs(int uid, int gid) {
        IdSession s = replaySessions.get(uid + ":" + gid);
        if (s != null && s.session() != session) {
            replaySessions.remove(uid + ":" + gid);
            s.session().close();
        }
    }

    /**
     * Why a session could not be opened: the gateway closed its new connection at accept, the VM's limits.connections
     * reached ({@link AcceptRefusal}); any other failure of {@link #sessionAs} is rethrown.
     */
    String refusedAtAccept(IOException e) throws IOException {
        Optional<String> why = accept.why(e);
        if (why.isEmpty()) {
            throw e;
        }
        return why.get();
    }

    /** A session as guest {@code uid}, its creates naming {@code gid}: opened once, closed at the end of the VM's run. */
    IdSession sessionAs(int uid, int gid) throws IOException {
        if (uid == suite.options().uid() && gid == suite.options().gid()) {
            return replaySessions.computeIfAbsent(uid + ":" + gid, k -> new IdSession(session, mainRoots));
        }
        IdSession existing = replaySessions.get(uid + ":" + gid);
        if (existing != null) {
            return existing;
        }
        P9Client client = transport.connect(MSIZE);
        for (int tried = 1; ; tried++) {
            try {
                client.version(MSIZE, P9Client.VERSION);
                break;
            } catch (P9Exception e) {
                client.close();
                throw new IOException("Tversion as uid " + uid + ": " + e.getMessage(), e);
            } catch (IOException e) {
                client.close();
                // The place of a connection of the VM closed just before may not be given back yet.
                if (!accept.again(e, tried)) {
                    throw e;
                }
                client = transport.connect(MSIZE);
            }
        }
        IdSession made = new IdSession(
                new GuestSession(
                        client,
                        suite.nextConnection(),
                        new Oracle(suite.engine(), vm.id(), Integer.toUnsignedLong(uid)),
                        suite.probes(),
                        uid,
                        gid),
                new LinkedHashMap<>());
        suite.stops().opened(made.session());
        replaySessions.put(uid + ":" + gid, made);
        return made;
    }

    private Step attachQuietly(GuestSession s, String share) {
        try {
            Step step = s.attach(share);
            hello(s, step);
            return step;
        } catch (IOException e) {
            return null;
        }
    }

    /** Cases of this VM that name a share it does not have, or a path outside its shares: skipped, saying so. */
    private void unplacedCases() {
        suite.replay()
                .ifPresent(replay -> replay.unplaced(suite.engine().policy(), vm.id())
                        .forEach(placed -> new Attempt(
                                        suite.log(),
                                        session,
                                        vm.id() + "/case/" + placed.slug(),
                                        null,
                                        "R-POL-2",
                                        "policy test case \"" + placed.c().name() + "\" ("
                                                + placed.c().pos() + ")")
                                .skip("the case lies nowhere in the running policy: " + placed.error())));
    }

    /** A place the suite makes in {@code share}, for removal should the run be stopped before its own cleanup. */
    StopCleanup.Made made(String share, Place place) {
        StopCleanup.Made made = new StopCleanup.Made(
                transport,
                session.oracle(),
                suite.options().uid(),
                suite.options().gid(),
                share,
                place.holder(),
                place.token());
        suite.stops().made(made);
        return made;
    }

    void removed(StopCleanup.Made made) {
        suite.stops().removed(made);
    }

    /** Attach names of other VMs' shares (and one nobody has) are refused on this VM's listener. */
    private void foreignShares() throws IOException {
        TreeSet<String> foreign = new TreeSet<>();
        suite.engine().policy().vms().values().stream()
                .filter(other -> !other.id().equals(vm.id()))
                .forEach(other -> foreign.addAll(other.shares().keySet()));
        foreign.removeAll(vm.shares().keySet());
        foreign.add(token() + "-none");
        for (String name : foreign) {
            Attempt a = new Attempt(
                    suite.log(),
                    session,
                    vm.id() + "/attach-refused/" + name,
                    null,
                    "R-DEP-1",
                    "Tattach of " + (name.startsWith(token()) ? "a share nobody has" : "another VM's share " + name)
                            + " is refused");
            Step step = a.probe(session.attach(name));
            if (step.ok()) {
                session.release(step.newFid());
                a.fail("attached");
            } else if (step.errno() == Errno.ENOENT || step.errno() == Errno.EACCES) {
                a.pass("");
            } else {
                a.fail("refused with " + step.errno() + ", not ENOENT or EACCES");
            }
        }
    }

    /** The id checks on the suite's own file, in the first share where the VM may create one. */
    void idsOnce(Probing probing, String idPrefix) throws IOException {
        if (!idsDone) {
            idsDone = true;
            IdChecks.created(suite.log(), probing, idPrefix, host(vm.shares().get(probing.share())));
        }
    }
}
