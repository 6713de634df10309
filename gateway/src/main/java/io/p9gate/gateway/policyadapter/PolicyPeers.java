package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.VmPolicy;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which VM a connection is, under the current policy (R-DEP-1): the VM of a Unix socket if its peer has the
 * credentials the policy expects, the VM whose pinned certificate a TLS client presented, the VM with the peer's
 * vsock CID, the VM of a plain TCP listener. Every refusal is recorded as a denied attach with no session (rule
 * {@code identity.*}, errno EACCES, the listener, the peer and the reason in the detail), so a reviewer sees who
 * knocked and why they were turned away (R-AUD-1). Trust material (CA certificates, CRLs) is read again after
 * each reload that is taken.
 */
public final class PolicyPeers implements PeerIdentifier {
    private static final System.Logger LOG = System.getLogger(PolicyPeers.class.getName());
    private static final PeerCausedLog UNRECORDED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private final Supplier<PolicyEngine> engine;
    private final AuditTrail audit;
    /** Development listeners the policy cannot name (the demo's TCP port): listener name to VM. */
    private final Map<String, String> extraListeners;

    private volatile Compiled compiled;
    /** The trust material of a reload's new engine, compiled before its swap ({@link #prepare}). */
    private volatile Compiled prepared;

    public PolicyPeers(Supplier<PolicyEngine> engine, AuditTrail audit) {
        this(engine, audit, Map.of());
    }

    public PolicyPeers(Supplier<PolicyEngine> engine, AuditTrail audit, Map<String, String> extraListeners) {
        this.engine = Objects.requireNonNull(engine);
        this.audit = Objects.requireNonNull(audit);
        this.extraListeners = Map.copyOf(extraListeners);
    }

    /**
     * The policy's trust material, compiled for the engine in force (once per policy generation): by the reload before
     * its swap where {@link #prepare} is registered, else by the first thread that needs it.
     */
    private Compiled compiled() {
        PolicyEngine now = engine.get();
        Compiled c = compiled;
        if (c == null || c.engine() != now) {
            Compiled p = prepared;
            c = p != null && p.engine() == now ? p : new Compiled(now, PeerRules.of(now));
            compiled = c;
        }
        return c;
    }

    /**
     * For {@code PolicyReloader.beforeSwap}: reads and compiles the new engine's trust material (every CA certificate
     * and CRL file, each CRL's signature checked) on the reloading thread, before the swap. Otherwise the first
     * connection to be decided under the new policy did it, on its VM's event loop or a worker the VMs share, and every
     * thread that got there before the first had finished did it too: 34 ms median (103 ms at most) for 8 TLS VMs at
     * load 20 (identity.ReidentificationCostMeasureTest), against 0.2 ms for a connection's own check.
     */
    public Runnable prepare(PolicyEngine fresh) {
        prepared = new Compiled(fresh, PeerRules.of(fresh));
        return () -> {};
    }

    private record Compiled(PolicyEngine engine, PeerRules rules) {}

    @Override
    public PeerVerdict identify(ListenSpec listener, PeerFacts peer) {
        PeerVerdict verdict = decide(listener, peer);
        if (verdict instanceof PeerVerdict.Refused refused) {
            record(listener, peer.describe(), refused);
        }
        return verdict;
    }

    /**
     * A VM's new {@code listen:} is bound only at restart: until then the listener its open connections arrived on is
     * still its own, unless the new policy gives that listener (a socket, a port, a CID) to another VM. They are
     * decided there by the VM's trust data of the new policy (pins, CRLs, {@code peer:}, CID), so a revocation still
     * closes them and a pending listener change does not.
     */
    @Override
    public PeerVerdict identifyAgain(ListenSpec listener, PeerFacts peer, String vm) {
        PeerVerdict verdict = decideAgain(listener, peer, vm);
        if (verdict instanceof PeerVerdict.Accepted a && !a.vm().equals(vm)) {
            // The reload gave what the transport established to another VM: the connection, made as {@code vm}, is
            // closed, and this is why (IdentityGivenToAnotherVmAttackTest: before, an acceptance, nothing recorded).
            verdict = new PeerVerdict.Refused(
                    vm,
                    ruleOf(peer),
                    givenAway(listener, peer) + " is VM " + a.vm() + "'s now, not VM " + vm
                            + "'s, which this connection was accepted as");
        }
        if (verdict instanceof PeerVerdict.Refused refused) {
            record(listener, peer.describe(), refused);
        }
        return verdict;
    }

    @Override
    public Optional<PeerVerdict.Refused> givenAway(ListenSpec listener, String vm) {
        return switch (listener) {
            case ListenSpec.Unix _, ListenSpec.Tcp _ -> {
                Optional<VmPolicy> now = ownerOf(compiled().rules(), listener);
                if (now.isPresent() && now.get().id().equals(vm)) {
                    yield Optional.empty();
                }
                yield now.<PeerVerdict>map(other -> PeerVerdict.Refused.untilRestart(
                                other.id(), "a reload gave it " + listener.describe() + ", VM " + vm + "'s"))
                        .or(() -> Optional.of(notNamed(listener)))
                        .filter(PeerVerdict.Refused.class::isInstance)
                        .map(PeerVerdict.Refused.class::cast);
            }
            case ListenSpec.Tls _, ListenSpec.Vsock _ -> Optional.empty(); // the peer's certificate or CID names it
        };
    }

    private static String ruleOf(PeerFacts peer) {
        return switch (peer) {
            case PeerFacts.Unix _, PeerFacts.Tcp _ -> RULE_LISTENER;
            case PeerFacts.Vsock _ -> RULE_VSOCK;
            case PeerFacts.Tls _ -> RULE_TLS;
        };
    }

    /** What named the VM: the listener itself, or the CID or certificate on a listener several VMs share. */
    private static String givenAway(ListenSpec listener, PeerFacts peer) {
        return switch (peer) {
            case PeerFacts.Unix _, PeerFacts.Tcp _ -> "listener " + listener.describe();
            case PeerFacts.Vsock vsock -> "CID " + vsock.cid() + " on " + listener.describe();
            case PeerFacts.Tls tls ->
                "certificate sha256 " + tls.fingerprint() + " (" + SubjectWord.of(tls.certificate()) + ") on "
                        + listener.describe();
        };
    }

    /** The engine in force: each reload that is taken makes a new one. */
    @Override
    public Object policyInForce() {
        return engine.get();
    }

    @Override
    public boolean stillNames(ListenSpec listener, PeerFacts peer, String vm) {
        return decideAgain(listener, peer, vm) instanceof PeerVerdict.Accepted a && a.vm().equals(vm);
    }

    private PeerVerdict decideAgain(ListenSpec listener, PeerFacts peer, String vm) {
        PeerRules rules = compiled().rules();
        PeerVerdict verdict = decide(listener, peer);
        VmPolicy now = engine.get().policy().vms().get(vm);
        if (!(verdict instanceof PeerVerdict.Accepted a && a.vm().equals(vm)) && now != null) {
            verdict = rules.onPendingListener(now, PolicyListeners.bindKey(listener), listener.describe(), peer)
                    .orElse(verdict);
        }
        return verdict;
    }

    @Override
    public void handshakeFailed(ListenSpec listener, String peer, String reason) {
        record(listener, peer, new PeerVerdict.Refused("", RULE_TLS, reason));
    }

    @Override
    public void refusedByTransport(ListenSpec listener, String peer, PeerVerdict.Refused refused) {
        record(listener, peer, refused);
    }

    private PeerVerdict decide(ListenSpec listener, PeerFacts peer) {
        PeerRules rules = compiled().rules();
        return switch (peer) {
            case PeerFacts.Unix unix ->
                ownerOf(rules, listener).map(vm -> rules.checkPeer(vm, unix)).orElseGet(() -> notNamed(listener));
            case PeerFacts.Tcp tcp ->
                ownerOf(rules, listener)
                        .<PeerVerdict>map(vm -> new PeerVerdict.Accepted(vm.id()))
                        .orElseGet(() -> notNamed(listener));
            case PeerFacts.Vsock vsock ->
                rules.vmWithCid(PolicyListeners.bindKey(listener), vsock.cid())
                        .<PeerVerdict>map(vm -> new PeerVerdict.Accepted(vm.id()))
                        .orElseGet(() -> new PeerVerdict.Refused(
                                "", RULE_VSOCK, "CID " + vsock.cid() + " is no VM's on " + listener.describe()));
            case PeerFacts.Tls tls ->
                rules.certificateOwner(PolicyListeners.bindKey(listener), listener.describe(), tls);
        };
    }

    /** The VM a single-VM listener belongs to, under the current policy or as a development extra. */
    private Optional<VmPolicy> ownerOf(PeerRules rules, ListenSpec listener) {
        return rules.vmAt(PolicyListeners.bindKey(listener))
                .or(() -> Optional.ofNullable(extraListeners.get(listener.describe()))
                        .map(vm -> engine.get().policy().vms().get(vm)));
    }

    private PeerVerdict notNamed(ListenSpec listener) {
        String extra = extraListeners.get(listener.describe());
        if (extra != null) {
            return new PeerVerdict.Accepted(extra);
        }
        return new PeerVerdict.Refused(
                "", RULE_LISTENER, "no VM of the current policy listens on " + listener.describe());
    }

    /** A refused connection as a denied attach outside any session; a record that fails is logged, not thrown. */
    private void record(ListenSpec listener, String peer, PeerVerdict.Refused refused) {
        String detail = "connection refused: listener=" + listener.describe() + " " + DetailWords.peer(peer)
                + " reason=" + refused.reason();
        try {
            audit.record(AuditEntry.refusedConnection(
                    refused.vm(),
                    detail,
                    Decision.deny(Errno.EACCES, List.of(refused.rule()))
                            .by(engine.get().digest(), null),
                    Errno.EACCES));
        } catch (P9Exception | RuntimeException e) {
            // Anyone reaching a listener can be refused at will: at most one such line a minute.
            UNRECORDED.log(
                    PeerCausedLog.key(refused.vm(), listener.describe()),
                    () -> "audit: cannot record a refused connection on " + listener.describe() + ": "
                            + e.getMessage());
        }
    }
}
