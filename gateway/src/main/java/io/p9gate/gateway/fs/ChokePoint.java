package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.backend.RemovedName;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The single choke point between the 9P operations and the backend (R-POL-2, R-AUD-1, R-AUD-4): every guest
 * request that {@link GuardedFs} serves passes through {@link #inspect} or {@link #change} (or is refused through
 * {@link #refused}), which ask, act and record. (0) A request is refused with EIO at once when the audit trail can
 * no longer record, (1) the policy decides on the share-relative path(s), (2) a denial is recorded and refused,
 * (3) only if allowed the backend call runs. A request that only looks is recorded after the backend call with its
 * outcome; a request that changes the host is recorded <em>before</em> the backend call, so that no change happens
 * unrecorded, plus an outcome record only if it failed. A failed recording fails the request with EIO (R-AUD-4).
 */
final class ChokePoint {
    private static final List<String> CONFINEMENT_RULE = List.of("confinement");
    private static final List<String> POLICY_ERROR_RULE = List.of("policy-error");
    /** A name no directory entry can have (see {@link GuestNames}): refused before any decision. */
    static final List<String> INVALID_NAME_RULE = List.of("invalid-name");

    private final String vm;
    private final long sessionId;
    private final AccessPolicy policy;
    private final AuditTrail audit;
    private final ShareSafety safety;

    ChokePoint(String vm, long sessionId, AccessPolicy policy, AuditTrail audit, ShareSafety safety) {
        this.vm = vm;
        this.sessionId = sessionId;
        this.policy = policy;
        this.audit = audit;
        this.safety = safety;
    }

    @FunctionalInterface
    interface BackendCall<T> {
        T run() throws P9Exception;
    }

    /** A backend call that needs its request's decision (a rename: whether it may replace, {@link Decision#replaces}). */
    @FunctionalInterface
    interface DecidedCall<T> {
        T run(Decision decision) throws P9Exception;
    }

    @FunctionalInterface
    interface PathsOf {
        List<String> get() throws P9Exception;
    }

    /**
     * A request's share-relative paths, derived once (each is a readlink of a handle) and then shared by
     * the decision, its records and the quota scope, so all of them name the same paths.
     */
    static final class RequestPaths implements PathsOf {
        private final PathsOf derive;
        private List<String> paths;

        private RequestPaths(PathsOf derive) {
            this.derive = derive;
        }

        static RequestPaths of(PathsOf derive) {
            return new RequestPaths(derive);
        }

        @Override
        public List<String> get() throws P9Exception {
            if (paths == null) {
                paths = List.copyOf(derive.get());
            }
            return paths;
        }

        /** The {@code index}th path, for the quota accounting. */
        QuotaAccounting.Call<String> at(int index) {
            return () -> get().get(index);
        }
    }

    /** What the record of a request says happened, from the backend call's result. */
    @FunctionalInterface
    interface OutcomeOf<T> {
        Outcome of(T result);
    }

    /** The outcome of a call that succeeds whenever it returns, moving {@code bytes} of data. */
    static <T> OutcomeOf<T> moving(ToLongFunction<? super T> bytes) {
        return result -> Outcome.success(bytes.applyAsLong(result));
    }

    /** The outcome of a call that succeeds whenever it returns and moves no data. */
    static final OutcomeOf<GuardedFs.Result> NO_BYTES = moving(r -> 0);
    /** What a change that moves no data announces (and, through {@link #NO_BYTES}, moves). */
    static final long NO_DATA = 0;

    /**
     * A request that only looks: recorded once, after the backend call, with its final outcome ({@link #moving} for
     * a call that succeeds whenever it returns; a partial walk can return and still not have done what was asked).
     */
    <T extends GuardedFs.Result> T inspect(
            Operation op,
            Subject who,
            String share,
            PathsOf paths,
            RequestArgs args,
            BackendCall<T> call,
            OutcomeOf<? super T> outcome)
            throws P9Exception {
        Decided decided = decided(op, who, share, paths, args);
        return recorded(decided, run(decided, call, RecordPhase.DONE, AuditTrail.NO_SEQ), outcome);
    }

    /** {@code result} once its record is written; released (it reaches no guest) if the record fails. */
    private <T extends GuardedFs.Result> T recorded(Decided decided, T result, OutcomeOf<? super T> outcome)
            throws P9Exception {
        try {
            record(decided, outcome.of(result), RecordPhase.DONE, AuditTrail.NO_SEQ);
        } catch (P9Exception e) {
            GuardedFs.Result.releaseUnrecorded(result);
            throw e;
        }
        return result;
    }

    /**
     * A request that changes the host: its record is written before the backend call, so a change never
     * happens unrecorded (R-AUD-4). A failure or a byte count other than {@code announced} adds an outcome
     * record pointing at the intent (a blocked lock returns without having made its change).
     */
    <T extends GuardedFs.Result> T change(
            Operation op,
            long announced,
            Subject who,
            String share,
            PathsOf paths,
            RequestArgs args,
            BackendCall<T> call,
            OutcomeOf<? super T> outcomeOf)
            throws P9Exception {
        return changed(decided(op, who, share, paths, args), announced, call, outcomeOf);
    }

    /**
     * As {@link #change}, moving no data, for a call that is handed its decision: whatever else the policy answered
     * with it is the same policy's answer (a reload after the decision does not reach the call).
     */
    <T extends GuardedFs.Result> T changeDecided(
            Operation op,
            Subject who,
            String share,
            PathsOf paths,
            RequestArgs args,
            DecidedCall<T> call,
            OutcomeOf<? super T> outcomeOf)
            throws P9Exception {
        Decided decided = decided(op, who, share, paths, args);
        Decision decision = decided.decision();
        return changed(decided, NO_DATA, () -> call.run(decision), outcomeOf);
    }

    private <T extends GuardedFs.Result> T changed(
            Decided decided, long announced, BackendCall<T> call, OutcomeOf<? super T> outcomeOf) throws P9Exception {
        Outcome expected = Outcome.success(announced);
        long intent = record(decided, expected, RecordPhase.INTENT, AuditTrail.NO_SEQ);
        T result = run(decided, call, RecordPhase.OUTCOME, intent);
        Outcome outcome = outcomeOf.of(result);
        if (!outcome.equals(expected)) {
            try {
                record(decided, outcome, RecordPhase.OUTCOME, intent);
            } catch (P9Exception e) {
                GuardedFs.Result.releaseUnrecorded(result);
                throw e;
            }
        }
        return result;
    }

    /** A decided request: what every record of this request carries. */
    private record Decided(int tag, MessageType message, AccessRequest request, Decision decision) {
        /** The same request, its record's detail ending in {@code words} (what a failed change still made). */
        Decided adding(String words) {
            return new Decided(tag, message, request.withDetail((request.detail() + " " + words).strip()), decision);
        }

        /** The same request, refused by a budget of its VM after the policy allowed it. */
        Decided refusedBy(OverBudget budget) {
            return new Decided(
                    tag,
                    message,
                    request,
                    new Decision(
                            false,
                            budget.errno(),
                            List.of(budget.rule()),
                            decision.policyDigest(),
                            decision.hostIds()));
        }
    }

    /**
     * Refuses up front when nothing can be recorded; refuses (and records) a name no entry can have; decides;
     * records and throws a denial. The cheap {@link AuditTrail#writable()} check comes first so a broken log stops
     * requests before they do anything.
     */
    private Decided decided(Operation op, Subject who, String share, PathsOf paths, RequestArgs args)
            throws P9Exception {
        return allowedOrRefused(deciding(op, who, share, paths, args));
    }

    /**
     * {@code op}'s decision asked ahead of the request that will be decided on it, for a guest request made of two
     * (a Twstat's rename and then its Tsetattr): a refusal is recorded and thrown before the first changes anything;
     * allowed, nothing is recorded here, the request records its own decision when it is made.
     */
    void requireAllowed(Operation op, Subject who, String share, PathsOf paths, RequestArgs args) throws P9Exception {
        decided(op, who, share, paths, args);
    }

    /** Records and throws {@code decided} if it is a denial; returns it if allowed. */
    private Decided allowedOrRefused(Decided decided) throws P9Exception {
        Decision decision = decided.decision();
        if (!decision.allowed()) {
            record(decided, Outcome.failure(decision.errno()), RecordPhase.DONE, AuditTrail.NO_SEQ);
            throw new RecordedRefusal(
                    decision.errno(), decided.request().operation() + " denied by " + decision.ruleIds());
        }
        return decided;
    }

    /** {@link #decided} without refusing: what a denial would record. */
    private Decided deciding(Operation op, Subject who, String share, PathsOf paths, RequestArgs args)
            throws P9Exception {
        requireWritable(op);
        return asking(op, who, share, paths, args);
    }

    /** {@link #deciding}, asked whether or not the audit log can record it: for a question that records nothing. */
    private Decided asking(Operation op, Subject who, String share, PathsOf paths, RequestArgs args)
            throws P9Exception {
        requireValidNames(op, who, share, paths, args);
        AccessRequest request;
        Decision decision;
        try {
            request = request(op, who, share, paths.get(), args, args.describe());
            decision = decide(request);
        } catch (P9Exception e) {
            // The handle's path cannot be named inside the share: refuse.
            request = request(op, who, share, unplaced(e), args, args.describe());
            decision = unasked(e.errno(), CONFINEMENT_RULE, who);
        }
        decision = refusingUnmapped(request, decision);
        return new Decided(RequestScope.tag(), RequestScope.type(), request, decision);
    }

    /**
     * Whether the policy would allow {@code op} now: a question only, which changes nothing and so records nothing
     * (after a reload, whether a session may keep what it holds through one of several fids); asked also while the
     * audit log cannot record.
     */
    boolean allowedNow(Operation op, Subject who, String share, PathsOf paths, RequestArgs args) throws P9Exception {
        return asking(op, who, share, paths, args).decision().allowed();
    }

    /**
     * What a session holds under an earlier decision, asked again of the policy now (after a reload): if {@code op}
     * would be refused now, {@code takeBack} undoes what it holds and the refusal is recorded, as that request's
     * denial with {@code words} ending its detail (what was taken back), before the take-back. Allowed, nothing is
     * recorded or changed. Asked while the audit log cannot record too, and refused, it is taken back unrecorded:
     * fail closed (R-AUD-4), as the question is asked once per reload, and what it kept would stay held under a
     * decision no longer made, against other VMs, after the log recovers (LockReloadAuditDownAttackTest).
     *
     * @return whether it was refused, and so taken back
     */
    boolean takenBackIfRefused(
            Operation op, Subject who, String share, PathsOf paths, RequestArgs args, String words, Runnable takeBack)
            throws P9Exception {
        Decided decided = asking(op, who, share, paths, args);
        if (decided.decision().allowed()) {
            return false;
        }
        try {
            record(
                    decided.adding(words),
                    Outcome.failure(decided.decision().errno()),
                    RecordPhase.DONE,
                    AuditTrail.NO_SEQ);
        } catch (P9Exception unrecorded) {
            // the log's own failure is what it reports; the take-back goes on
        }
        takeBack.run();
        return true;
    }

    /** Twalk's backend call: walks the first {@code names} names of the request (all of them for a whole walk). */
    @FunctionalInterface
    interface WalkOf {
        GuardedFs.Walked walk(int names) throws P9Exception;
    }

    /**
     * Twalk, as {@link #inspect}, except that a walk the policy refuses as hidden (ENOENT) at a name after its first
     * answers as a walk that met a missing name there: the qids of the names before it (R-POL-4). Refused as a
     * whole, it told a hidden name from a missing one, which stops the walk with those qids. The guest gets what a
     * walk of the names before the hidden one gets (so they are walked, as any walk's are), and the record is the
     * refusal, by the hidden rule, of all it asked.
     */
    GuardedFs.Walked inspectWalk(Subject who, String share, PathsOf paths, RequestArgs.Walk args, WalkOf walk)
            throws P9Exception {
        Decided decided = deciding(Operation.WALK, who, share, paths, args);
        int before = namesBeforeHidden(decided, args.names().size());
        if (before == 0) {
            decided = allowedOrRefused(decided);
            before = args.names().size();
        }
        int walked = before;
        GuardedFs.Walked result = run(decided, () -> walk.walk(walked), RecordPhase.DONE, AuditTrail.NO_SEQ);
        if (walked < args.names().size() && result.handle() != null) {
            result.handle().close();
            result = new GuardedFs.Walked(result.qids(), null, Errno.ENOENT);
        }
        return recorded(decided, result, w -> w.stopped() == null ? Outcome.success(0) : Outcome.failure(w.stopped()));
    }

    /**
     * How many names of a walk the policy refused as hidden come before the first hidden one, asked path by path
     * (a walk is allowed only if every path it reaches is); 0 if it was allowed, refused otherwise, refused at its
     * first name, or if no single path is refused with ENOENT (fail closed: refused as a whole).
     */
    private int namesBeforeHidden(Decided decided, int names) {
        Decision decision = decided.decision();
        AccessRequest request = decided.request();
        if (decision.allowed()
                || decision.errno() != Errno.ENOENT
                || names < 2
                || request.paths().size() != names) {
            return 0;
        }
        RequestArgs.Walk args = (RequestArgs.Walk) request.args();
        for (int i = 0; i < names; i++) {
            AccessRequest one = new AccessRequest(
                    request.vm(),
                    request.sessionId(),
                    request.operation(),
                    request.share(),
                    List.of(request.paths().get(i)),
                    request.uid(),
                    request.gid(),
                    new RequestArgs.Walk(List.of(args.names().get(i))),
                    request.detail());
            Decision d = decide(one);
            if (!d.allowed()) {
                return d.errno() == Errno.ENOENT ? i : 0;
            }
        }
        return 0;
    }

    /**
     * A permission a request needs besides its own (an ORCLOSE open or create needs the removal's, open(5)): decided
     * up front, unrecorded, and refused only by {@link #require}, which the request's call makes where it would open
     * or make anything, so that what the same request without it answers comes first (its own refusal, EEXIST).
     * Refused, it is recorded as its own denial, then the request's failure (in {@link #run}, not as the host user).
     */
    static final class Also {
        static final Also NONE = new Also(null);
        private final Decided decided;

        private Also(Decided decided) {
            this.decided = decided;
        }

        boolean refuses() {
            return decided != null && !decided.decision().allowed();
        }

        void require() throws P9Exception {
            if (refuses()) {
                throw new AlsoRefused(decided);
            }
        }
    }

    /** The refusal {@link Also#require} throws, carrying what to record. */
    private static final class AlsoRefused extends P9Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        private final transient Decided decided;

        AlsoRefused(Decided decided) {
            super(
                    decided.decision().errno(),
                    decided.request().operation() + " denied by "
                            + decided.decision().ruleIds());
            this.decided = decided;
        }
    }

    /** {@code op}'s decision for a request that needs it besides its own ({@link Also}). */
    Also also(Operation op, Subject who, String share, PathsOf paths, RequestArgs args) throws P9Exception {
        return new Also(deciding(op, who, share, paths, args));
    }

    /** A guest-chosen name no entry can have is refused, and recorded, before any policy is asked. */
    void requireValidNames(Operation op, Subject who, String share, PathsOf paths, RequestArgs args)
            throws P9Exception {
        try {
            args.checkNames();
        } catch (P9Exception e) {
            throw refused(op, who, share, paths, args, new Refusal(e.errno(), INVALID_NAME_RULE, ""));
        }
    }

    private void requireWritable(Operation op) throws P9Exception {
        if (!audit.writable()) {
            throw new P9Exception(Errno.EIO, "audit trail cannot record: refusing " + op);
        }
    }

    /**
     * A refusal the gateway makes itself, before any policy is asked, because the request cannot be put to the
     * policy as sent: a bad name, a share the session does not have, fids of two shares.
     *
     * @param detail what the record adds to the arguments' own detail ("" for nothing)
     */
    record Refusal(Errno errno, List<String> rule, String detail) {}

    /**
     * What a request through a handle that cannot be placed in the share ({@code why}) is recorded on: a name removed
     * while its file lives on is the name the guest asked through, whether the policy refused the request or the
     * gateway did before asking it; a handle the host moved out of the share has none.
     */
    private static List<String> unplaced(P9Exception why) {
        return why instanceof RemovedName removed ? List.of(removed.removedPath()) : List.of();
    }

    /** Records {@code why} as a denial (R-AUD-1: a refusal is a decision too) and returns what to throw. */
    P9Exception refused(Operation op, Subject who, String share, PathsOf paths, RequestArgs args, Refusal why)
            throws P9Exception {
        requireWritable(op);
        List<String> named;
        try {
            named = paths.get();
        } catch (P9Exception e) {
            named = unplaced(e);
        }
        // What the guest sent may be no name at all: bounded, so that refusals recorded one by one stay small (a path
        // taking more than 4,095 bytes of its record is abbreviated where it is recorded).
        named = named.stream().map(GuestNames::shown).toList();
        String detail = GuestNames.shownText((args.describe() + " " + why.detail()).strip());
        // The share is bounded where its record makes it a word (BoundedWord): cut here, its marker was escaped with
        // it, and an aname of the marker's text read as a long one cut short.
        AccessRequest request = request(op, who, share, named, args, detail);
        Decided decided =
                new Decided(RequestScope.tag(), RequestScope.type(), request, unasked(why.errno(), why.rule(), who));
        record(decided, Outcome.failure(why.errno()), RecordPhase.DONE, AuditTrail.NO_SEQ);
        return new P9Exception(why.errno(), op + " refused: " + why.rule());
    }

    /**
     * A denial the gateway makes without asking the policy, with the host ids the VM's map gives {@code who}: its
     * record must not name the guest's ids as host ids (guest root as host root) beside the session's decided ones.
     */
    private Decision unasked(Errno errno, List<String> rule, Subject who) {
        return unasked(errno, rule, who.uid(), who.gid());
    }

    private Decision unasked(Errno errno, List<String> rule, int uid, int gid) {
        HostIds ids;
        try {
            ids = policy.hostIds(vm, uid, gid);
        } catch (RuntimeException e) {
            // A policy that cannot map is no reason to leave the refusal unrecorded: its record keeps the guest's ids.
            UnexpectedFaults.log("policy id mapping", e);
            ids = null;
        }
        return Decision.deny(errno, rule).by(null, ids);
    }

    private AccessRequest request(
            Operation op, Subject who, String share, List<String> paths, RequestArgs args, String detail) {
        return new AccessRequest(vm, sessionId, op, share, paths, who.uid(), who.gid(), args, detail);
    }

    /** Whether the VM's policy may decide a request in {@code share} differently at two paths. */
    boolean decidesByPath(String share) {
        return policy.decidesByPath(vm, share);
    }

    /** Runs the backend call; a failure is recorded in {@code phase} (an outcome names its {@code intent}). */
    private <T> T run(Decided decided, BackendCall<T> call, RecordPhase phase, long intent) throws P9Exception {
        try {
            return asHostUser(decided, call);
        } catch (AlsoRefused e) {
            record(e.decided, Outcome.failure(e.errno()), RecordPhase.DONE, AuditTrail.NO_SEQ);
            record(decided, Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (OverBudget e) {
            // The VM's budget refused what the policy allowed: recorded as that budget's denial (R-ROB-2).
            record(decided.refusedBy(e), Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (PartlyApplied e) {
            record(decided.adding(e.detail()), Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (P9Exception e) {
            record(decided, Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (RuntimeException e) {
            P9Exception eio = UnexpectedFaults.eio(decided.request().operation().name(), e);
            record(decided, Outcome.failure(Errno.EIO), phase, intent);
            throw eio;
        }
    }

    /** Records a budget's refusal like a denial; returns what to throw (the refusal, or EIO). */
    P9Exception overBudget(
            Operation op, Subject who, String share, PathsOf paths, RequestArgs args, OverBudget refusal) {
        try {
            refused(op, who, share, paths, args, new Refusal(refusal.errno(), List.of(refusal.rule()), ""));
            return refusal;
        } catch (P9Exception e) {
            return e;
        }
    }

    /**
     * The backend call, in a share with {@code permissions: enforce} as the request's mapped host ids (only
     * the call: records are written with the gateway's own credentials). Never as an id the VM's map left out, which
     * {@link #refusingUnmapped} refuses; here too, for a reload that made the share enforce after the decision.
     */
    private <T> T asHostUser(Decided decided, BackendCall<T> call) throws P9Exception {
        AccessRequest request = decided.request();
        if (!actsAsGuestUser(request.operation(), safety.of(request.share()))) {
            return call.run();
        }
        HostIds ids = decided.decision().hostIds();
        if (ids != null && !ids.mapped()) {
            throw new P9Exception(Errno.EACCES, request.operation() + " refused: its guest id is not mapped");
        }
        return HostCredentials.actingAs(
                ids != null ? ids.uid() : request.uid(), ids != null ? ids.gid() : request.gid(), call::run);
    }

    /**
     * Whether a request's backend call acts on the host as the guest user: in a share with {@code permissions:
     * enforce}, all but Tgetattr (stat needs no permission on the file, and reads a mapped device's xattr, which a
     * user without read permission could not), Tclunk and Tauth (they touch no file).
     */
    private static boolean actsAsGuestUser(Operation op, ShareSafety.Settings settings) {
        return op != Operation.GETATTR
                && op != Operation.CLUNK
                && op != Operation.AUTH
                && settings.enforcesPermissions();
    }

    /**
     * A request the policy allowed that would act on the host as a guest uid or gid the VM's map leaves out is
     * refused, EACCES, and recorded by the share's unmapped-id rule: it would act as the overflow id, which every VM's
     * unmapped ids, every VM without a map and any VM squashed to it share. The policy's refusal comes first (a hidden
     * path stays ENOENT), and a request that acts as the gateway (Tgetattr) is not refused.
     */
    private Decision refusingUnmapped(AccessRequest request, Decision decision) {
        HostIds ids = decision.hostIds();
        if (!decision.allowed() || ids == null || ids.mapped()) {
            return decision;
        }
        ShareSafety.Settings settings = safety.of(request.share());
        if (!actsAsGuestUser(request.operation(), settings)) {
            return decision;
        }
        return Decision.deny(Errno.EACCES, List.of(settings.unmappedIdRule())).by(decision.policyDigest(), ids);
    }

    /**
     * A request the share's own settings refuse after the policy allowed it (the policy's refusal, with its
     * errno, comes first): recorded as a denial by {@code rule}, like a policy's.
     */
    P9Exception refusedByShare(
            Operation op, Subject who, String share, PathsOf paths, RequestArgs args, Errno errno, String rule)
            throws P9Exception {
        Decided allowed = decided(op, who, share, paths, args);
        Decision denial = Decision.deny(errno, List.of(rule))
                .by(allowed.decision().policyDigest(), allowed.decision().hostIds());
        record(
                new Decided(allowed.tag(), allowed.message(), allowed.request(), denial),
                Outcome.failure(errno),
                RecordPhase.DONE,
                AuditTrail.NO_SEQ);
        return new P9Exception(errno, op + " refused by " + rule);
    }

    private Decision decide(AccessRequest request) {
        try {
            Decision d = request.operation() == Operation.RENAME ? decideRename(request) : policy.decide(request);
            if (d == null) {
                throw new IllegalStateException("the policy gave no decision");
            }
            return d;
        } catch (RuntimeException e) {
            UnexpectedFaults.log("policy decision", e);
            // Refused by the gateway, not the policy: recorded with the host ids the map gives, as a decision's are.
            return unasked(Errno.EIO, POLICY_ERROR_RULE, request.uid(), request.gid());
        }
    }

    /**
     * A rename's decision, which also says whether it may replace the entry at its destination (REMOVE there): both
     * asked of one snapshot of the policy ({@link AccessPolicy#pinned}), so a reload after the decision cannot answer
     * the second question. A policy that cannot judge the replacement refuses it (fail closed).
     */
    private Decision decideRename(AccessRequest request) {
        AccessPolicy now = policy.pinned();
        Decision d = now.decide(request);
        if (d == null || !d.allowed() || request.paths().isEmpty()) {
            return d;
        }
        boolean replaceable;
        try {
            replaceable = now.replaceable(
                    request.vm(), request.share(), request.paths().getLast(), request.uid(), request.gid());
        } catch (RuntimeException e) {
            UnexpectedFaults.log("policy replaceability", e);
            replaceable = false;
        }
        return replaceable ? d.replacing() : d;
    }

    private long record(Decided d, Outcome outcome, RecordPhase phase, long intent) throws P9Exception {
        // The errno the guest is told, which in 9P2000 may not be the one refused (RequestScope#told).
        Outcome told =
                outcome.errno() == null ? outcome : new Outcome(RequestScope.told(outcome.errno()), outcome.bytes());
        AuditEntry entry = new AuditEntry(d.tag(), d.message(), d.request(), d.decision(), told, phase, intent);
        try {
            return audit.record(entry);
        } catch (P9Exception e) {
            // ENOSPC: the log's disk budget refused the change's guest data (the log is fine); else the record failed.
            throw new P9Exception(
                    e.errno() == Errno.ENOSPC ? Errno.ENOSPC : Errno.EIO,
                    "audit record failed: refusing " + d.request().operation(),
                    e);
        } catch (RuntimeException e) {
            throw UnexpectedFaults.eio("audit record", e);
        }
    }
}
