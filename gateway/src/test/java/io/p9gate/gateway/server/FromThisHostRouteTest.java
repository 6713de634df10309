package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kernel's route decides, where every address binds and the kept list missed one added since, whether a peer is
 * this host's: asked in a network namespace of its own (unshare -rn), where a veth holds two IPv4 and two IPv6
 * addresses and a link-local one. IPv4's local route of a secondary address is sent from the primary ({@code local 192.0.2.2 dev v0 src
 * 192.0.2.1}), so a route source compared with the peer took a secondary address, as any address added to an
 * interface's subnet is, for a guest's.
 */
class FromThisHostRouteTest {
    private static final List<String> OWN =
            List.of("192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2", "fe80::1%v0");
    private static final List<String> GUESTS = List.of("192.0.2.77", "2001:db8::77", "fe80::77%v0");

    @Test
    void aSecondaryAddressAddedWithinTheSecondIsThisHosts() throws Exception {
        String setup = "ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up"
                + " && ip addr add 192.0.2.1/24 dev v0 && ip addr add 192.0.2.2/24 dev v0"
                + " && ip -6 addr add 2001:db8::1/64 dev v0 nodad && ip -6 addr add 2001:db8::2/64 dev v0 nodad"
                + " && ip -6 addr add fe80::1/64 dev v0 nodad";
        List<String> expected = new ArrayList<>();
        OWN.forEach(own -> expected.add(own + " refused"));
        GUESTS.forEach(guest -> expected.add(guest + " taken for the VM"));
        decidedInNamespace(
                setup, FromThisHostRouteTest.class, String.join(" ", OWN) + " " + String.join(" ", GUESTS), expected);
    }

    /**
     * A link-local peer accepted before its interface was removed (a VM's tap deleted at its stop, the connection
     * still queued): the bind fails ENODEV and the kernel has no route on that link, which says nothing of whose the
     * address was, so the host's own and a guest's are both refused, with the kernel's real bind and route answers.
     */
    @Test
    void aLinkLocalPeerOfARemovedInterfaceIsRefused() throws Exception {
        String setup = "ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up"
                + " && ip link set v1 up && ip -6 addr add fe80::1/64 dev v0 nodad"
                + " && i=$(ip -o link show v0 | cut -d: -f1) && ip link del v0";
        decidedInNamespace(
                setup,
                InterfaceRemoved.class,
                "fe80::1%$i fe80::77%$i",
                List.of("fe80::1 refused", "fe80::77 refused"));
    }

    /** Runs {@code setup}, then {@code main} with {@code args}, in a network namespace of its own; its decisions. */
    private static void decidedInNamespace(String setup, Class<?> main, String args, List<String> expected)
            throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && Files.isExecutable(Path.of("/usr/sbin/ip")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = setup + " && exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" '" + main.getName()
                + "' " + args;
        Process run = new ProcessBuilder(
                        "unshare", "-rn", "sh", "-c", script, java, System.getProperty("java.class.path"))
                .redirectErrorStream(true)
                .start();
        assumeTrue(run.waitFor(60, TimeUnit.SECONDS), "the namespace's run did not end");
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(run.exitValue() == 0, "no network namespace of its own here: " + out);
        assertEquals(
                expected,
                out.lines()
                        .filter(l -> l.contains(" refused") || l.contains(" taken"))
                        .toList(),
                out);
    }

    /** In the namespace, its interface gone: each address's decision by the kernel's bind and route answers. */
    static final class InterfaceRemoved {
        public static void main(String[] args) throws IOException {
            FromThisHost system = new FromThisHost(
                    new FromThisHost.ListedInterfaces(FromThisHost.ListedInterfaces::system, System::nanoTime),
                    address -> true,
                    SocketOptions::bindErrno);
            for (String arg : args) {
                String reason = system.reason(InetAddress.getByName(arg));
                System.out.println(arg.substring(0, arg.indexOf('%'))
                        + (reason == null ? " taken for the VM" : " refused\n  (" + reason + ")"));
            }
        }
    }

    /** In the namespace: each address's decision where the list was taken before any was added, every address binds. */
    public static void main(String[] args) throws IOException {
        FromThisHost addedSinceTheListing =
                new FromThisHost(new FromThisHost.ListedInterfaces(Map::of, () -> 0), address -> true, address -> 0);
        for (String arg : args) {
            String reason = addedSinceTheListing.reason(InetAddress.getByName(arg));
            System.out.println(arg + (reason == null ? " taken for the VM" : " refused"));
        }
    }
}
