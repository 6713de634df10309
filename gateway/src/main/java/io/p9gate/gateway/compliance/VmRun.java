package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.OpKind;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.SharePath;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private GuestSession session;
    private boolean helloSent;
    private boolean idsDone;

    /** What the VM runs share with the suite as a whole. */
    interface Suite {
        PolicyEngine engine();

        SuiteOptions options();

        CheckLog log();

        ProbeLog probes();

        String token();

        int nextConnection();
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

    void run() throws IOException {
        CheckLog log = suite.log();
        VmTransport transport = VmTransport.of(vm.listen(), Optional.ofNullable(suite.options().tls().get(vm.id())));
        log.say("VM " + vm.id() + " on " + transport.describe());
        String listenerTitle = "the VM's listener " + transport.describe() + " serves 9P2000.L";
        if (transport.unavailable().isPresent()) {
            log.add(new CheckResult(vm.id() + "/listener", vm.id(), null, "R-DEP-1", listenerTitle, Status.SKIPPED, "", "",
                    "", transport.unavailable().get() + "; none of this VM's checks ran", List.of()));
            return;
        }
        Oracle oracle = new Oracle(suite.engine(), vm.id(), Integer.toUnsignedLong(suite.options().uid()));
        P9Client client;
        try {
            client = transport.connect(MSIZE);
            RMessage.Rversion v = client.version(MSIZE, P9Client.VERSION);
            if (!P9Client.VERSION.equals(v.version())) {
                client.close();
                throw new IOException("Rversion \"" + v.version() + "\"");
            }
        } catch (IOException | P9Exception e) {
            log.add(new CheckResult(vm.id() + "/listener", vm.id(), null, "R-DEP-1", listenerTitle, Status.FAILED,
                    "connect, Tversion", "Rversion \"9P2000.L\"", "error", e.getMessage() + "; none of this VM's checks ran",
                    List.of()));
            return;
        }
        log.add(new CheckResult(vm.id() + "/listener", vm.id(), null, "R-DEP-1", listenerTitle, Status.PASSED,
                "connect, Tversion", "Rversion \"9P2000.L\"", "Rversion \"9P2000.L\" msize " + client.msize(), "", List.of()));
        String attachable = vm.shares().keySet().stream()
                .filter(s -> oracle.decide(s, OpKind.WALK, SharePath.ROOT).allowed()).findFirst().orElse(null);
        new ProtocolChecks(log, transport, vm.id(), attachable).run();
        session = new GuestSession(client, suite.nextConnection(), oracle, suite.probes(), suite.options().uid(),
                suite.options().gid());
        try {
            Map<SharePolicy, Step> attached = new LinkedHashMap<>();
            for (SharePolicy share : vm.shares().values()) {
                attached.put(share, attach(share));
            }
            foreignShares();
            for (Map.Entry<SharePolicy, Step> e : attached.entrySet()) {
                Step step = e.getValue();
                if (step.ok()) {
                    Qid qid = ((RMessage.Rattach) step.reply().message()).qid();
                    new ShareRun(this, e.getKey(), step.newFid(), qid).run();
                }
            }
        } finally {
            session.close();
        }
    }

    /** Tattach of one of the VM's own shares; the first one attached also identifies the session in the audit log. */
    private Step attach(SharePolicy share) throws IOException {
        Attempt a = new Attempt(suite.log(), session, vm.id() + "/" + share.name() + "/attach", share.name(), "R-DEP-1",
                "Tattach of the VM's share " + share.name() + " on its listener");
        Step step = a.probe(session.attach(share.name()));
        if (step.ok() && !helloSent) {
            // A walk to a name no one else uses: the audit check finds the suite's session by it.
            Step hello = session.walk(step.newFid(), token() + "-hello");
            session.release(hello.newFid());
            helloSent = true;
        }
        a.finishIfOpen();
        return step;
    }

    /** Attach names of other VMs' shares (and one nobody has) are refused on this VM's listener. */
    private void foreignShares() throws IOException {
        TreeSet<String> foreign = new TreeSet<>();
        suite.engine().policy().vms().values().stream().filter(other -> !other.id().equals(vm.id()))
                .forEach(other -> foreign.addAll(other.shares().keySet()));
        foreign.removeAll(vm.shares().keySet());
        foreign.add(token() + "-none");
        for (String name : foreign) {
            Attempt a = new Attempt(suite.log(), session, vm.id() + "/attach-refused/" + name, null, "R-DEP-1",
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
