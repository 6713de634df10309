package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): the derived descriptor budgets split the whole process-wide pool among the VMs, and the
 * connections of a {@code tls:} listener awaiting their handshake were taken from that same pool. VM a, holding
 * every descriptor its budget gives it, then filled the listener's handshake places with silent connections
 * (as many as the VMs may hold connections together): VM b was refused EMFILE by the pool ({@code
 * budget.descriptor-pool}) that many descriptors before its own budget, through no doing of its own. Here, on a
 * pool of 236 descriptors: b's 104 descriptors stopped at 76. The listeners' handshake places are now set apart
 * before the pool is split, so b reaches exactly its own budget while the places are held.
 */
class HandshakeDescriptorShareAttackTest {
    private static final int MSIZE = 65536;

    @TempDir
    Path tmp;

    @Test
    void handshakesInFlightDoNotShortenAnotherVmsDescriptors() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        IdentityRig rig = new IdentityRig(tmp);
        HostResources host = HostResources.current();
        rig.host = new HostResources(300, 0, host.maxHeap(), host.maxDirect()); // 300 - 64 (reserve) to share
        List<Socket> flood = new ArrayList<>();
        List<P9Client> clients = new ArrayList<>();
        try (rig) {
            rig.start(listener.vms(""), listener.serverTls()); // derived limits: nothing set
            Allowance aDescriptors = rig.budgets.vm("a").orElseThrow().descriptors();
            Allowance bDescriptors = rig.budgets.vm("b").orElseThrow().descriptors();
            int connections = (int) rig.budgets.vm("a").orElseThrow().limits().connections();
            try {
                // Each VM holds every connection its budget gives it, and VM a every descriptor too.
                for (int i = 0; i < connections; i++) {
                    clients.add(listener.connect("a", MSIZE));
                    clients.add(listener.connect("b", MSIZE));
                }
                takeEveryDescriptor(clients.get(0), "a", "a.txt");
                assertEquals(aDescriptors.limit(), aDescriptors.used(), "VM a holds its whole descriptor budget");
                // Then VM a (or anyone) fills the listener's places for connections awaiting their handshake: at
                // most its VMs' connections together, a VM's connections from each address.
                listener.silentConnections(connections, "127.0.0.2", flood);
                listener.silentConnections(connections, "127.0.0.3", flood);
                takeEveryDescriptor(clients.get(1), "b", "b.txt");
                assertEquals(
                        bDescriptors.limit(),
                        bDescriptors.used(),
                        "VM b reaches its own descriptor budget while the handshake places are held");
                assertEquals(0, SharedTlsListener.closedByGateway(flood), "the flood held its places throughout");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
                for (P9Client c : clients) {
                    c.close();
                }
            }
        }
    }

    /** Attaches and walks to {@code file} into new fids until the VM is refused EMFILE. */
    private static void takeEveryDescriptor(P9Client vm, String share, String file) throws Exception {
        vm.version(MSIZE, "9P2000.L");
        vm.attach(0, "root", share, 0);
        List<PendingCall> walks = new ArrayList<>();
        for (int fid = 1; fid <= 200; fid++) {
            walks.add(vm.send(new TMessage.Twalk(0, fid, List.of(file))));
        }
        int refused = 0;
        for (PendingCall walk : walks) {
            try {
                vm.await(walk);
            } catch (P9Exception e) {
                assertEquals(Errno.EMFILE, e.errno(), share + "'s walk");
                refused++;
            }
        }
        assertTrue(refused > 0, share + " held 200 more descriptors");
    }
}
