package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.session.FakeHandler;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A tcp: (and tls:) connection whose VM vanished without a FIN or RST (the VM was reset, its tap went away) used to
 * stay ESTABLISHED on the gateway's side for ever: the gateway never writes unasked, so nothing ever found the peer
 * gone, and each such connection kept one of the VM's {@code connections} budget. After as many resets as that
 * budget the VM could not connect again until the gateway was restarted. The gateway's side of every accepted TCP
 * connection now has TCP keepalive armed, which the kernel shows as a pending timer (column {@code tr} = 2) on the
 * connection's line of /proc/net/tcp.
 */
class TcpKeepaliveTest {
    @Test
    void anIdleAcceptedTcpConnectionHasItsKeepaliveTimerArmed() throws Exception {
        GatewayConfig config = new GatewayConfig(
                List.of(new ListenSpec.Tcp("127.0.0.1", 0)), new FakeHandler.Factory(), GatewayConfig.DEFAULT_MSIZE, 2);
        try (Gateway gateway = Gateway.start(config);
                Socket client = new Socket()) {
            int port = ((InetSocketAddress) gateway.boundAddresses().getFirst()).getPort();
            client.connect(new InetSocketAddress("127.0.0.1", port));
            String local = String.format(Locale.ROOT, ":%04X", port);
            String remote = String.format(Locale.ROOT, ":%04X", client.getLocalPort());
            String timer = "";
            // The kernel lists the connection once the handshake is done, before the gateway has accepted it and
            // set its options: wait (at most 10 s) for the timer, which never comes without keepalive.
            for (int i = 0; i < 1000 && !timer.startsWith("02"); i++) {
                timer = timerOf(local, remote);
                if (!timer.startsWith("02")) {
                    Thread.sleep(10);
                }
            }
            assertEquals("02", timer.substring(0, 2), "tr:tm->when of the gateway's side: " + timer);
        }
    }

    /** The {@code tr:tm->when} field of the established connection from port {@code local} to {@code remote}, or "". */
    private static String timerOf(String local, String remote) throws Exception {
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) { // an IPv6 socket may take IPv4 peers
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].endsWith(local) && f[2].endsWith(remote) && f[3].equals("01")) {
                    return f[5];
                }
            }
        }
        return "";
    }
}
