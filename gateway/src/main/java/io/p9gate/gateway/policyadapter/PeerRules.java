package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.server.HostAccounts;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PeerCredentials;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One policy's identification rules, compiled: the expected peer ids resolved on this host, each TLS pin with
 * its CA certificates and CRL loaded. A name or a file that cannot be resolved makes that VM's connections
 * refused with the reason (the start already checked them; this is for a reload that broke them).
 */
final class PeerRules {
    private final Map<String, VmPolicy> byBind = new LinkedHashMap<>();
    private final Map<String, List<Pinned>> pinsByBind = new LinkedHashMap<>();
    private final Map<String, ResolvedPeer> peers = new LinkedHashMap<>();
    private final Map<String, Pinned> pinsByVm = new LinkedHashMap<>();

    private record Pinned(VmPolicy vm, CertificatePin pin) {}

    /** Numeric ids of {@code peer:}, or why they could not be resolved. */
    private record ResolvedPeer(PeerCredentials spec, Integer uid, Integer gid, String error) {}

    private PeerRules() {}

    static PeerRules of(PolicyEngine engine) {
        PeerRules rules = new PeerRules();
        for (VmPolicy vm : engine.policy().vms().values()) {
            ListenerSpec l = vm.listen();
            switch (l) {
                case ListenerSpec.Tls tls -> {
                    Pinned pinned = new Pinned(vm, CertificatePin.of(tls.client()));
                    rules.pinsByBind
                            .computeIfAbsent(l.bindKey(), k -> new ArrayList<>())
                            .add(pinned);
                    rules.pinsByVm.put(vm.id(), pinned);
                }
                case ListenerSpec.Vsock vsock -> rules.byBind.put(l.bindKey() + "#" + vsock.cid(), vm);
                case ListenerSpec.UnixSocket unix -> {
                    rules.byBind.put(l.bindKey(), vm);
                    rules.peers.put(vm.id(), resolve(unix.peer()));
                }
                case ListenerSpec.Tcp tcp -> rules.byBind.put(l.bindKey(), vm);
            }
        }
        return rules;
    }

    private static ResolvedPeer resolve(PeerCredentials p) {
        try {
            return new ResolvedPeer(
                    p,
                    p.uid() == null ? null : HostAccounts.uid(p.uid()),
                    p.gid() == null ? null : HostAccounts.gid(p.gid()),
                    null);
        } catch (IllegalArgumentException e) {
            return new ResolvedPeer(p, null, null, e.getMessage());
        }
    }

    /** The VM of a Unix socket or plain TCP listener. */
    Optional<VmPolicy> vmAt(String bindKey) {
        return Optional.ofNullable(byBind.get(bindKey));
    }

    Optional<VmPolicy> vmWithCid(String bindKey, long cid) {
        return Optional.ofNullable(byBind.get(bindKey + "#" + cid));
    }

    /** SO_PEERCRED against the VM's {@code peer:} (R-DEP-1). */
    PeerVerdict checkPeer(VmPolicy vm, PeerFacts.Unix peer) {
        ResolvedPeer expected = peers.get(vm.id());
        if (expected == null || expected.spec().any()) {
            return new PeerVerdict.Accepted(vm.id());
        }
        if (expected.error() != null) {
            return new PeerVerdict.Refused(
                    vm.id(),
                    PeerIdentifier.RULE_PEER,
                    "expected peer " + expected.spec().describe() + ": " + expected.error());
        }
        List<String> wrong = new ArrayList<>();
        if (expected.uid() != null && expected.uid() != peer.uid()) {
            wrong.add("uid " + Integer.toUnsignedString(peer.uid()) + " is not "
                    + expected.spec().uid()
                    + (expected.spec().uid().equals(Integer.toUnsignedString(expected.uid()))
                            ? ""
                            : " (" + Integer.toUnsignedString(expected.uid()) + ")"));
        }
        if (expected.gid() != null && expected.gid() != peer.gid()) {
            wrong.add("gid " + Integer.toUnsignedString(peer.gid()) + " is not "
                    + expected.spec().gid()
                    + (expected.spec().gid().equals(Integer.toUnsignedString(expected.gid()))
                            ? ""
                            : " (" + Integer.toUnsignedString(expected.gid()) + ")"));
        }
        if (wrong.isEmpty()) {
            return new PeerVerdict.Accepted(vm.id());
        }
        return new PeerVerdict.Refused(vm.id(), PeerIdentifier.RULE_PEER, "peer " + String.join(", ", wrong));
    }

    /**
     * The one VM on this listener whose pin the certificate matches. A revoked certificate is refused whatever
     * else it matches; one that matches two VMs is ambiguous and refused.
     */
    PeerVerdict certificateOwner(String bindKey, String listener, PeerFacts.Tls peer) {
        return certificateOwner(pinsByBind.getOrDefault(bindKey, List.of()), listener, peer);
    }

    /**
     * How a connection that arrived on {@code bindKey} is decided for {@code vm} while the VM's own {@code listen:}
     * names another (a listener change, bound at restart): by the VM's rules on the listener it arrived on, as if it
     * were still there, unless another VM now has that listener (or that CID on it). Empty if the VM's listener is
     * not changed, is of another kind, or is taken by another VM: the connection is then decided as a new one.
     */
    Optional<PeerVerdict> onPendingListener(VmPolicy vm, String bindKey, String listener, PeerFacts peer) {
        if (vm.listen().bindKey().equals(bindKey)) {
            return Optional.empty();
        }
        return switch (peer) {
            case PeerFacts.Tcp tcp
            when vm.listen() instanceof ListenerSpec.Tcp && vmAt(bindKey).isEmpty() ->
                Optional.of(new PeerVerdict.Accepted(vm.id()));
            case PeerFacts.Unix unix
            when vm.listen() instanceof ListenerSpec.UnixSocket && vmAt(bindKey).isEmpty() ->
                Optional.of(checkPeer(vm, unix));
            case PeerFacts.Vsock vsock
            when vm.listen() instanceof ListenerSpec.Vsock v
                    && v.cid() == vsock.cid()
                    && vmWithCid(bindKey, vsock.cid()).isEmpty() -> Optional.of(new PeerVerdict.Accepted(vm.id()));
            case PeerFacts.Tls tls
            when pinsByVm.containsKey(vm.id()) -> {
                List<Pinned> pins = new ArrayList<>(pinsByBind.getOrDefault(bindKey, List.of()));
                pins.add(pinsByVm.get(vm.id()));
                yield Optional.of(certificateOwner(pins, listener, tls));
            }
            default -> Optional.empty();
        };
    }

    private static PeerVerdict certificateOwner(List<Pinned> pins, String listener, PeerFacts.Tls peer) {
        List<String> owners = new ArrayList<>();
        for (Pinned p : pins) {
            CertificatePin.Match m = p.pin().match(peer.chain());
            switch (m) {
                case CertificatePin.Match.Yes yes -> owners.add(p.vm().id());
                case CertificatePin.Match.No no -> {}
                case CertificatePin.Match.Refused r -> {
                    return new PeerVerdict.Refused(p.vm().id(), PeerIdentifier.RULE_TLS, r.reason());
                }
            }
        }
        if (owners.size() == 1) {
            return new PeerVerdict.Accepted(owners.getFirst());
        }
        if (owners.isEmpty()) {
            return new PeerVerdict.Refused(
                    "",
                    PeerIdentifier.RULE_TLS,
                    "certificate sha256 " + peer.fingerprint() + " (" + SubjectWord.of(peer.certificate())
                            + ") is no VM's on " + listener);
        }
        return new PeerVerdict.Refused(
                "",
                PeerIdentifier.RULE_TLS,
                "certificate sha256 " + peer.fingerprint() + " matches VMs " + String.join(" and ", owners)
                        + ": ambiguous");
    }
}
