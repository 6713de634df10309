package io.p9gate.policy.load;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transport must be able to tell every VM apart (R-DEP-1): a Unix socket or a plain TCP listener belongs to
 * one VM; VMs may share a TLS listener only with different certificates, and a vsock port only with different
 * CIDs; one address cannot be TLS for one VM and plain TCP for another; a CID is one guest, so one VM.
 */
final class ListenerConflicts {
    private ListenerConflicts() {}

    static void check(PolicyFile policy) throws PolicyLoadException {
        Map<String, VmPolicy> byBind = new HashMap<>();
        Map<Long, VmPolicy> byCid = new HashMap<>();
        Map<String, VmPolicy> byPin = new HashMap<>();
        List<CaPin> caPins = new ArrayList<>();
        CaLineage cas = CaLineage.of(policy);
        for (VmPolicy vm : policy.vms().values()) {
            ListenerSpec l = vm.listen();
            VmPolicy other = byBind.putIfAbsent(l.bindKey(), vm);
            if (other != null && !mayShare(other.listen(), l)) {
                throw new PolicyLoadException(
                        vm.pos(),
                        "VM '" + vm.id() + "' listens on " + l.describe() + " like VM '"
                                + other.id() + "' (" + other.listen().describe()
                                + "): the transport could not tell them apart"
                                + (l instanceof ListenerSpec.Tls || l instanceof ListenerSpec.Vsock
                                        ? ""
                                        : " (only tls: and vsock: listeners can be shared)"));
            }
            switch (l) {
                case ListenerSpec.Vsock v -> {
                    VmPolicy same = byCid.putIfAbsent(v.cid(), vm);
                    if (same != null)
                        throw new PolicyLoadException(
                                vm.pos(),
                                "VM '" + vm.id() + "' has vsock CID " + v.cid() + " like VM '" + same.id()
                                        + "': a CID is one guest");
                }
                case ListenerSpec.Tls t -> {
                    for (String pin : t.client().sha256()) {
                        VmPolicy same = byPin.putIfAbsent(pin, vm);
                        if (same != null) throw sameCertificate(vm, same, t);
                    }
                    if (t.client().sha256().isEmpty()) {
                        caPins.add(caPinApart(vm, t, caPins, cas));
                    }
                }
                case ListenerSpec.UnixSocket u -> {}
                case ListenerSpec.Tcp t -> {}
            }
        }
    }

    private static boolean mayShare(ListenerSpec a, ListenerSpec b) {
        return (a instanceof ListenerSpec.Tls ta
                        && b instanceof ListenerSpec.Tls tb
                        && ta.host().equals(tb.host()))
                || (a instanceof ListenerSpec.Vsock && b instanceof ListenerSpec.Vsock);
    }

    /** The VM's CA pin, if no earlier VM's can match a certificate it matches ({@link CaPin#overlaps}). */
    private static CaPin caPinApart(VmPolicy vm, ListenerSpec.Tls t, List<CaPin> earlierPins, CaLineage cas)
            throws PolicyLoadException {
        CaPin mine = CaPin.of(vm, t.client(), cas);
        for (CaPin earlier : earlierPins) {
            if (!mine.overlaps(earlier)) continue;
            boolean sameCa = mine.sameCa(earlier);
            if (sameCa && mine.equalNames(earlier)) throw sameCertificate(vm, earlier.vm(), t);
            throw new PolicyLoadException(
                    vm.pos(),
                    "VM '" + vm.id() + "' and VM '" + earlier.vm().id()
                            + (sameCa
                                    ? "' pin certificates of one CA that one certificate can both be ("
                                    : "' pin certificates of two CAs, one issued by a CA of the other, that one"
                                            + " certificate can both be (a chain through the lower CA validates"
                                            + " under both; ")
                            + t.client().describe() + asWritten(earlier.vm(), t) + "): one naming "
                            + mine.namesWith(earlier)
                            + " would be either VM's; pin each VM by a subject of its own");
        }
        return mine;
    }

    private static PolicyLoadException sameCertificate(VmPolicy vm, VmPolicy same, ListenerSpec.Tls t) {
        return new PolicyLoadException(
                vm.pos(),
                "VM '" + vm.id() + "' pins the same client certificate as VM '" + same.id() + "' ("
                        + t.client().describe() + asWritten(same, t)
                        + "): the certificate could not tell them apart");
    }

    /** The other VM's pin, when it is written differently: both spellings, so the operator sees why they clash. */
    private static String asWritten(VmPolicy other, ListenerSpec.Tls t) {
        String theirs = ((ListenerSpec.Tls) other.listen()).client().describe();
        return theirs.equals(t.client().describe()) ? "" : "; VM '" + other.id() + "': " + theirs;
    }
}
