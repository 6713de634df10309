package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.session.Session;
import io.p9gate.gateway.session.SessionPipeline;
import io.p9gate.gateway.session.SessionSettings;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts the 9P session of each connection its transport identified, in its VM's lane, loops and budgets (R-ROB-2),
 * and refuses the connections a VM has no place for.
 */
final class SessionStarter {
    /** The VM whose session a connection holds, once it has one. */
    static final AttributeKey<String> SERVED_VM = AttributeKey.valueOf("p9gate.served-vm");
    /** The connection's 9P session, once it has one. */
    static final AttributeKey<Session> SESSION = AttributeKey.valueOf("p9gate.session");

    private final GatewayConfig config;
    private final PeerIdentifier identifier;
    private final EventLoops loops;
    private final FairWorkerPool workers;
    private final AtomicLong sessionIds = new AtomicLong();
    /**
     * VMs whose connections are being refused: audited each, logged at most once a minute per VM (a VM at its limit
     * that reconnects in a loop is admitted and refused in turn, 90-150 times a second). In the gateway's log.
     */
    private final PeerCausedLog refusing =
            new PeerCausedLog(System.getLogger(Gateway.class.getName()), System.Logger.Level.WARNING);

    SessionStarter(GatewayConfig config, PeerIdentifier identifier, EventLoops loops, FairWorkerPool workers) {
        this.config = config;
        this.identifier = identifier;
        this.loops = loops;
        this.workers = workers;
    }

    /**
     * Starts the 9P session of a connection its transport identified as {@code vm} ("" when the listener is the
     * VM): in that VM's lane, holding the place {@code accepted} took at accept ({@link PlaceGate}); a tls:
     * connection, which took none of its VM's there, takes it here, on the loop its handshake ended on, before it
     * moves to its VM's loops: counted only once it had arrived there, a VM whose loop was busy could hold any number
     * of connections between the loops.
     */
    void start(
            Channel channel,
            ListenSpec spec,
            Optional<VmBudget> owner,
            String vm,
            SessionSettings settings,
            String peer,
            ConnectionPlace accepted) {
        Optional<VmBudget> budget = vm.isEmpty() ? owner : config.budgets().vm(vm);
        if (budget.isEmpty()) {
            // A VM a reload added: its budgets, lane and loops are made at start. Refused as the transport's other
            // refusals are, recorded and logged at most once a minute (IdentityGivenToAnotherVmAttackTest: before, on
            // a shared listener an unrecorded close and an ERROR line per connection; on another VM's socket, served
            // in that VM's lane and budgets and counted as its connection, so removing the new VM left it open).
            refuseUntilRestart(channel, spec, peer, vm, "a reload added it");
            return;
        }
        if (owner.isPresent() && owner.get() != budget.get()) {
            // A reload gave a listener one VM owns (its socket) to another VM: the listener's loops, accept-time
            // places and socket are its first VM's until the restart binds each VM's own. Served here, the other VM
            // ran on the first VM's loops, so its flood slowed that VM (R-ROB-2; IdentityGivenToAnotherVmAttackTest).
            refuseUntilRestart(
                    channel,
                    spec,
                    peer,
                    vm,
                    "a reload gave it " + spec.describe() + ", VM "
                            + owner.get().vm() + "'s");
            return;
        }
        ConnectionPlace place;
        if (accepted != null) {
            place = accepted; // taken at accept (PlaceGate), of the VM named: the listener's, or the one decided there
        } else {
            if (!admitConnection(budget.get(), channel, peer)) {
                return;
            }
            ConnectionPlace admitted = new ConnectionPlace(budget.get().connections());
            channel.closeFuture().addListener(f -> admitted.closedWithoutSession());
            place = admitted;
        }
        SessionSettings identified = settings.forVm(vm).identifiedBy(HeldIdentity.of(channel, identifier));
        if (owner.isPresent()) {
            serve(channel, budget.get(), identified, peer, place);
        } else {
            // A shared listener's connection leaves the shared loops for its VM's own (LoopMove), where cheap
            // requests may then be served on the loop as on a listener the VM owns.
            LoopMove.move(
                    channel,
                    loops.of(budget.get()).next(),
                    PeerCausedLog.key(budget.get().vm(), spec.describe()),
                    () -> serve(channel, budget.get(), identified.onOwnLoops(true), peer, place));
        }
    }

    /** Refuses a connection of {@code vm} that the gateway serves only from its next restart: recorded and logged. */
    private void refuseUntilRestart(Channel channel, ListenSpec spec, String peer, String vm, String why) {
        RefusedPeers.untilRestart(identifier, spec, peer, vm, why);
        channel.close();
    }

    /** On the connection's loop: its 9P session in the VM's lane, holding {@code place} until it has ended. */
    private void serve(Channel channel, VmBudget budget, SessionSettings settings, String peer, ConnectionPlace place) {
        if (!place.toSession()) {
            channel.close(); // closed meanwhile: its place is given back already
            return;
        }
        Session session;
        try {
            session = SessionPipeline.install(
                    channel.pipeline(),
                    config.handlers(),
                    workers.lane(budget),
                    settings,
                    sessionIds::incrementAndGet,
                    peer);
        } catch (RuntimeException e) {
            place.sessionEnded();
            throw e;
        }
        // Counted closed once its fids are released, not when the socket closes: one scrape of the metrics
        // must never show a VM without connections but with open fids.
        session.ended().thenRun(place::sessionEnded);
        channel.attr(SERVED_VM).set(budget.vm());
        channel.attr(SESSION).set(session);
        CertificateExpiry.watch(channel, identifier);
    }

    /**
     * Takes one of the VM's connections (and a descriptor of the pool), given back when its session has ended;
     * past its budget the connection is closed at once and the refusal recorded (R-ROB-2). The descriptor reserve
     * keeps accept(2) itself from failing for everyone.
     */
    private boolean admitConnection(VmBudget vm, Channel channel, String peer) {
        try {
            vm.connections().acquire(1);
        } catch (OverBudget e) {
            refuseConnection(vm, peer, e);
            channel.close();
            return false;
        }
        return true;
    }

    /** Records a connection refused for the VM's connection budget; logged at most once a minute per VM. */
    void refuseConnection(VmBudget vm, String peer, OverBudget e) {
        config.budgets().connectionRefused(vm, peer, e);
        refusing.log(
                PeerCausedLog.key(vm.vm()),
                () -> "refusing connections from " + peer + ": " + e.getMessage() + "; each refusal is audited");
    }
}
