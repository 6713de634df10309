package io.p9gate.gateway.compliance;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.FileIdentity;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.gateway.fs.InodeLocks;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Small, plausible bugs of a gateway's enforcement ({@link ComplianceMutantsTest}), each built as a wrapper around the
 * piece it breaks. Each counts how often it changed what the faithful gateway would have done ({@link #fired}), so
 * that a mutant the suite never meets is not taken for one it catches.
 */
record Mutants(String name, Function<AtomicInteger, GatewayMutation> build) {

    /** A request is the mutant's business: {@code op} on a path (any of the request's) under {@code prefix}. */
    static Predicate<AccessRequest> op(Operation op, String prefix) {
        return r -> r.operation() == op && r.paths().stream().anyMatch(p -> under(p, prefix));
    }

    static boolean under(String path, String prefix) {
        String p = path.startsWith("/") ? path : "/" + path;
        return p.equals(prefix) || p.startsWith(prefix + "/");
    }

    /** The decision lets {@code which} requests through that the policy refuses. */
    static Mutants allows(String name, Predicate<AccessRequest> which) {
        return new Mutants(name, fired -> GatewayMutation.ofPolicy(p -> allowing(p, which, fired)));
    }

    /** As {@link #allows}, and every name shown in listings (a hidden subtree's own name too). */
    static Mutants allowsAndLists(String name, Predicate<AccessRequest> which) {
        return new Mutants(name, fired -> GatewayMutation.ofPolicy(p -> new Listing(allowing(p, which, fired), fired)));
    }

    private static AccessPolicy allowing(AccessPolicy p, Predicate<AccessRequest> which, AtomicInteger fired) {
        return new Deciding(
                p,
                which,
                d -> d.allowed() ? d : new Decision(true, null, d.ruleIds(), d.policyDigest(), d.hostIds()),
                fired);
    }

    /** The decision refuses {@code which} requests that the policy allows, with {@code errno} (a broken backend). */
    static Mutants refuses(String name, Predicate<AccessRequest> which, Errno errno) {
        return new Mutants(
                name,
                fired -> GatewayMutation.ofPolicy(p -> new Deciding(
                        p,
                        which,
                        d -> d.allowed() ? new Decision(false, errno, d.ruleIds(), d.policyDigest(), d.hostIds()) : d,
                        fired)));
    }

    /** Listings show what the policy hides; walks still refuse it. */
    static Mutants listsHidden(String name) {
        return new Mutants(name, fired -> GatewayMutation.ofPolicy(p -> new Listing(p, fired)));
    }

    /** The audit trail gets each record through {@code change}; null drops it. */
    static Mutants records(String name, UnaryOperator<AuditEntry> change) {
        return new Mutants(name, fired -> GatewayMutation.ofAudit(t -> new Recording(t, change, fired)));
    }

    /** The quota books' scopes, as {@code change} alters them, for requests {@code which} selects. */
    static Mutants quotas(String name, Predicate<AccessRequest> which, Function<Quotas.Scopes, Quotas.Scopes> change) {
        return new Mutants(name, fired -> {
            // Asked at the decision, of every request (a stateful which sees each one), used at the books.
            ThreadLocal<Boolean> mine = ThreadLocal.withInitial(() -> false);
            GatewayMutation byOp = GatewayMutation.ofPolicy(p -> new Deciding(
                    p,
                    r -> {
                        mine.set(which.test(r));
                        return false;
                    },
                    UnaryOperator.identity(),
                    new AtomicInteger()));
            return new GatewayMutation(
                    byOp.policy(),
                    UnaryOperator.identity(),
                    q -> new Books(q, mine::get, change, UnaryOperator.identity(), fired),
                    UnaryOperator.identity(),
                    false,
                    UnaryOperator.identity(),
                    UnaryOperator.identity(),
                    UnaryOperator.identity());
        });
    }

    /**
     * Writes through a fid whose path was last opened O_APPEND go uncounted: the growth taken from the offset the guest
     * sends, which such a write ignores (the host puts it at the file's end), so an append at offset 0 costs nothing.
     */
    static Mutants appendsUncounted(String name) {
        Map<String, Boolean> appending = new ConcurrentHashMap<>();
        return quotas(
                name,
                r -> {
                    if (r.operation() == Operation.OPEN && r.args() instanceof RequestArgs.Open(int flags)) {
                        r.paths().forEach(p -> appending.put(p, (flags & LinuxSyscalls.O_APPEND) != 0));
                    }
                    return r.operation() == Operation.WRITE
                            && r.paths().stream().anyMatch(p -> appending.getOrDefault(p, false));
                },
                s -> uncounted(s, true, false));
    }

    /** Every answer through {@code change} on its way to the guest; what was decided and recorded stays. */
    static Mutants replies(String name, UnaryOperator<RMessage> change) {
        return new Mutants(
                name,
                fired -> GatewayMutation.ofReplies(m -> {
                    RMessage changed = change.apply(m);
                    if (!changed.equals(m)) {
                        fired.incrementAndGet();
                    }
                    return changed;
                }));
    }

    /** Every Rstatfs's figures through {@code change}. */
    static Mutants statfs(String name, UnaryOperator<StatFs> change) {
        return replies(name, m -> m instanceof RMessage.Rstatfs(StatFs s) ? new RMessage.Rstatfs(change.apply(s)) : m);
    }

    /** Tstatfs shows the host's figures where a quota contains the path (the books say there is none). */
    static Mutants noQuotaInStatfs(String name) {
        return new Mutants(
                name,
                fired -> GatewayMutation.ofQuotas(
                        q -> new Books(q, () -> false, UnaryOperator.identity(), room -> Optional.empty(), fired)));
    }

    /** The id map, as {@code change} alters it. */
    static Mutants ids(String name, Function<IdTranslation, IdTranslation> change) {
        return new Mutants(
                name,
                fired -> GatewayMutation.ofIds(ids -> {
                    fired.incrementAndGet();
                    return change.apply(ids);
                }));
    }

    /**
     * A session whose first Tattach names a VM of {@code vms} in its uname acts as that VM, whatever listener it came
     * in on: the identity taken from 9P, not from the transport (R-DEP-1 broken).
     */
    static Mutants vmFromUname(String name, java.util.Set<String> vms) {
        return new Mutants(
                name, fired -> GatewayMutation.ofSessions(sessions -> new UnameIdentity(sessions, vms, fired)));
    }

    /** Opens each connection's session at its first request, as the VM a Tattach's uname names if there is one. */
    record UnameIdentity(RequestHandlerFactory factory, java.util.Set<String> vms, AtomicInteger fired)
            implements RequestHandlerFactory {
        @Override
        public RequestHandler open(ConnectionContext context) {
            return new RequestHandler() {
                private RequestHandler handler;

                private synchronized RequestHandler handler(FileRequest first) {
                    if (handler == null) {
                        ConnectionContext c = context;
                        if (first instanceof TMessage.Tattach a
                                && vms.contains(a.uname())
                                && !a.uname().equals(context.vm())) {
                            fired.incrementAndGet();
                            c = new ConnectionContext(
                                    c.listener(),
                                    c.peer(),
                                    c.sessionId(),
                                    c.msize(),
                                    c.ioLimit(),
                                    a.uname(),
                                    c.budget(),
                                    c.dialect(),
                                    c.identity());
                        }
                        handler = factory.open(c);
                    }
                    return handler;
                }

                @Override
                public RMessage handle(FileRequest request) throws P9Exception {
                    return handler(request).handle(request);
                }

                @Override
                public RMessage handle(int tag, FileRequest request) throws P9Exception {
                    return handler(request).handle(tag, request);
                }

                @Override
                public boolean quick(FileRequest request) {
                    return handler(request).quick(request);
                }

                @Override
                public synchronized void close() {
                    if (handler != null) {
                        handler.close();
                    }
                }
            };
        }

        @Override
        public void writeRecords() throws P9Exception {
            factory.writeRecords();
        }

        @Override
        public RequestHandlerFactory forConnection() {
            return new UnameIdentity(factory.forConnection(), vms, fired);
        }

        @Override
        public void close() {
            factory.close();
        }
    }

    static Mutants everyDialect(String name) {
        return new Mutants(name, fired -> {
            fired.incrementAndGet();
            return GatewayMutation.allDialects();
        });
    }

    /** A Tsetattr of atime and/or mtime and nothing else (what touch(1) sends). */
    static boolean timesOnly(AccessRequest r) {
        int times = io.p9gate.gateway.proto.SetAttr.SETATTR_ATIME
                | io.p9gate.gateway.proto.SetAttr.SETATTR_MTIME
                | io.p9gate.gateway.proto.SetAttr.SETATTR_ATIME_SET
                | io.p9gate.gateway.proto.SetAttr.SETATTR_MTIME_SET
                | io.p9gate.gateway.proto.SetAttr.SETATTR_CTIME;
        return r.args() instanceof RequestArgs.SetAttr(int valid, int uid, int gid)
                && valid != 0
                && (valid & ~times) == 0;
    }

    static boolean truncates(AccessRequest r) {
        return r.args() instanceof RequestArgs.Open(int flags) && (flags & LinuxSyscalls.O_TRUNC) != 0;
    }

    /** Every question forwarded; {@code decide} passes the decisions of what {@code which} selects through {@code change}. */
    record Deciding(
            AccessPolicy policy, Predicate<AccessRequest> which, UnaryOperator<Decision> change, AtomicInteger fired)
            implements AccessPolicy {
        @Override
        public Decision decide(AccessRequest request) {
            boolean mine = which.test(request); // asked of every request: a quota mutant learns the request here
            Decision d = policy.decide(request);
            if (!mine) {
                return d;
            }
            Decision changed = change.apply(d);
            if (changed != d) {
                fired.incrementAndGet();
            }
            return changed;
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            return policy.visible(vm, share, path, uid, gid);
        }

        @Override
        public List<String> hiddenNamesIn(String vm, String share, String dir) {
            return policy.hiddenNamesIn(vm, share, dir);
        }

        @Override
        public boolean hidesNamesIn(String vm, String share) {
            return policy.hidesNamesIn(vm, share);
        }

        @Override
        public boolean decidesByPath(String vm, String share) {
            return policy.decidesByPath(vm, share);
        }

        @Override
        public boolean describable(String vm, String share, String path, int uid, int gid) {
            return policy.describable(vm, share, path, uid, gid);
        }

        @Override
        public Shown shown(String vm, String share, String path, int uid, int gid) {
            return policy.shown(vm, share, path, uid, gid);
        }

        @Override
        public AccessPolicy pinned() {
            return new Deciding(policy.pinned(), which, change, fired);
        }

        @Override
        public boolean replaceable(String vm, String share, String path, int uid, int gid) {
            return policy.replaceable(vm, share, path, uid, gid);
        }
    }

    /** Decisions forwarded; every entry visible in listings. */
    record Listing(AccessPolicy policy, AtomicInteger fired) implements AccessPolicy {
        @Override
        public Decision decide(AccessRequest request) {
            return policy.decide(request);
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            if (!policy.visible(vm, share, path, uid, gid)) {
                fired.incrementAndGet();
            }
            return true;
        }

        @Override
        public boolean describable(String vm, String share, String path, int uid, int gid) {
            return true;
        }

        @Override
        public Shown shown(String vm, String share, String path, int uid, int gid) {
            return visible(vm, share, path, uid, gid) ? Shown.DESCRIBED : Shown.HIDDEN;
        }

        @Override
        public AccessPolicy pinned() {
            return new Listing(policy.pinned(), fired);
        }

        @Override
        public boolean replaceable(String vm, String share, String path, int uid, int gid) {
            return policy.replaceable(vm, share, path, uid, gid);
        }
    }

    /** Each record through {@code change} (null drops it), each lifecycle event through {@code events}. */
    record Recording(
            AuditTrail trail, UnaryOperator<AuditEntry> change, UnaryOperator<GatewayEvent> events, AtomicInteger fired)
            implements AuditTrail {
        Recording(AuditTrail trail, UnaryOperator<AuditEntry> change, AtomicInteger fired) {
            this(trail, change, UnaryOperator.identity(), fired);
        }

        @Override
        public long record(AuditEntry entry) throws P9Exception {
            AuditEntry changed = change.apply(entry);
            if (changed != entry) {
                fired.incrementAndGet();
            }
            return changed == null ? AuditTrail.NO_SEQ : trail.record(changed);
        }

        @Override
        public void writeHeld() throws P9Exception {
            trail.writeHeld();
        }

        @Override
        public void writeHeld(long upTo) throws P9Exception {
            trail.writeHeld(upTo);
        }

        @Override
        public boolean writable() {
            return trail.writable();
        }

        @Override
        public void lifecycle(GatewayEvent event) throws P9Exception {
            GatewayEvent changed = events.apply(event);
            if (changed != event) {
                fired.incrementAndGet();
            }
            trail.lifecycle(changed);
        }
    }

    /** The same record with another decision and outcome. */
    static AuditEntry with(AuditEntry e, Decision decision, Outcome outcome) {
        return new AuditEntry(e.tag(), e.message(), e.request(), decision, outcome, e.phase(), e.intentSeq());
    }

    /** Quota books whose scopes {@code change} alters while {@code active} says so, and whose room Tstatfs shows. */
    record Books(
            Quotas quotas,
            java.util.function.BooleanSupplier active,
            Function<Quotas.Scopes, Quotas.Scopes> change,
            UnaryOperator<Optional<Room>> shown,
            AtomicInteger fired)
            implements Quotas {
        @Override
        public boolean isEmpty() {
            return quotas.isEmpty();
        }

        @Override
        public Scopes scopes(String share, String path, FileIdentity file, boolean directory) {
            Scopes scopes = quotas.scopes(share, path, file, directory);
            if (scopes.isEmpty() || !active.getAsBoolean()) {
                return scopes;
            }
            fired.incrementAndGet();
            return change.apply(scopes);
        }

        @Override
        public boolean sameScopes(String share, String first, String second) {
            return quotas.sameScopes(share, first, second);
        }

        @Override
        public boolean holdsScopeRoot(String share, String path) {
            return quotas.holdsScopeRoot(share, path);
        }

        @Override
        public void moved(FileIdentity file) {
            quotas.moved(file);
        }

        @Override
        public long moves() {
            return quotas.moves();
        }

        @Override
        public long rescans() {
            return quotas.rescans();
        }

        @Override
        public void linkMade(String share, String path, FileIdentity file) {
            quotas.linkMade(share, path, file);
        }

        @Override
        public void linkGone(String share, String path, FileIdentity file, long born, long bytes) {
            quotas.linkGone(share, path, file, born, bytes);
        }

        @Override
        public Kept keep(String share, String path, FileIdentity file, boolean directory, long bytes, long inodes) {
            return quotas.keep(share, path, file, directory, bytes, inodes);
        }

        @Override
        public Optional<Kept> kept(FileIdentity file) {
            return quotas.kept(file);
        }

        @Override
        public InodeLocks locks() {
            return quotas.locks();
        }

        @Override
        public Changing changing() {
            return quotas.changing();
        }

        @Override
        public Changing changingOrLater(Runnable later) {
            return quotas.changingOrLater(later);
        }

        @Override
        public Optional<Room> room(String share, String path) {
            Optional<Room> room = quotas.room(share, path);
            Optional<Room> changed = shown.apply(room);
            if (!changed.equals(room)) {
                fired.incrementAndGet();
            }
            return changed;
        }
    }

    /** Scopes that forward everything but what a mutant overrides. */
    record Forwarding(Quotas.Scopes scopes, Reserve reserve, Move move) implements Quotas.Scopes {
        @FunctionalInterface
        interface Reserve {
            Quotas.Held reserve(Quotas.Scopes scopes, long bytes, long inodes) throws P9Exception;
        }

        @FunctionalInterface
        interface Move {
            Quotas.Held moveTo(Quotas.Scopes scopes, Quotas.Scopes target, long born, long bytes, long inodes)
                    throws P9Exception;
        }

        static Forwarding reserving(Quotas.Scopes scopes, Reserve reserve) {
            return new Forwarding(scopes, reserve, Quotas.Scopes::moveTo);
        }

        static Forwarding moving(Quotas.Scopes scopes, Move move) {
            return new Forwarding(scopes, Quotas.Scopes::reserve, move);
        }

        @Override
        public boolean isEmpty() {
            return scopes.isEmpty();
        }

        @Override
        public Quotas.Held reserve(long bytes, long inodes) throws P9Exception {
            return reserve.reserve(scopes, bytes, inodes);
        }

        @Override
        public void free(long bytes, long inodes) {
            scopes.free(bytes, inodes);
        }

        @Override
        public void charge(long bytes) {
            scopes.charge(bytes);
        }

        @Override
        public void note(long born, long size) {
            scopes.note(born, size);
        }

        @Override
        public void resized(long born, long before, long now) {
            scopes.resized(born, before, now);
        }

        @Override
        public void lastNameGone(long born, long size) {
            scopes.lastNameGone(born, size);
        }

        @Override
        public Quotas.Held moveTo(Quotas.Scopes target, long born, long bytes, long inodes) throws P9Exception {
            Quotas.Scopes to = target instanceof Forwarding f ? f.scopes : target;
            return move.moveTo(scopes, to, born, bytes, inodes);
        }
    }

    /** Scopes that neither reserve nor commit the bytes, or the inodes, a request takes. */
    static Quotas.Scopes uncounted(Quotas.Scopes scopes, boolean bytes, boolean inodes) {
        return Forwarding.reserving(scopes, (s, b, i) -> {
            Quotas.Held held = s.reserve(bytes ? 0 : b, inodes ? 0 : i);
            return new Quotas.Held() {
                @Override
                public void commit(long cb, long ci) {
                    held.commit(bytes ? 0 : cb, inodes ? 0 : ci);
                }

                @Override
                public void release() {
                    held.release();
                }
            };
        });
    }

    static Errno errno(AuditEntry e) {
        return e.outcome().errno();
    }
}
