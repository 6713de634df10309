package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A guest that reconnects in a loop, each time sending what the gateway logs once per connection (here a frame size
 * out of bounds), must not write the host's log at the rate it connects: 100 connections wrote 100 WARNING lines.
 */
class ReconnectLogFloodTest {
    private static final int CONNECTIONS = 100;

    @Test
    void aGuestReconnectingInALoopBuysNoLogLineEach() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    lines.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger codec = Logger.getLogger("io.p9gate.gateway.codec"); // held: JUL keeps loggers only weakly
        codec.addHandler(capture);
        try (Gateway gateway = Gateway.start(new GatewayConfig(
                List.of(new ListenSpec.Tcp("127.0.0.1", 0)), new FakeHandler.Factory(), 65536, 2, 16))) {
            InetSocketAddress address =
                    (InetSocketAddress) gateway.boundAddresses().getFirst();
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}); // a 2 GiB frame
                    out.flush();
                    InputStream in = s.getInputStream();
                    assertTrue(in.read() < 0, "the gateway closes the connection");
                }
            }
        } finally {
            codec.removeHandler(capture);
        }
        long outOfBounds = lines.stream().filter(l -> l.contains("frame size")).count();
        assertTrue(outOfBounds <= 1, outOfBounds + " log lines for " + CONNECTIONS + " connections: " + lines);
    }
}
