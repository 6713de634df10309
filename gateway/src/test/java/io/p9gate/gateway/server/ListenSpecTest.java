package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenSpecTest {
    @Test
    void parsesTcpAndUnix() {
        assertEquals(new ListenSpec.Tcp("127.0.0.1", 5640), ListenSpec.parse("tcp:127.0.0.1:5640"));
        assertEquals(new ListenSpec.Tcp("::1", 0), ListenSpec.parse("tcp:[::1]:0"));
        assertEquals(new ListenSpec.Tcp("localhost", 65535), ListenSpec.parse("tcp:localhost:65535"));
        assertEquals(
                new ListenSpec.Unix(Path.of("/run/p9gate/vm1.sock")), ListenSpec.parse("unix:/run/p9gate/vm1.sock"));
        assertEquals(new ListenSpec.Tcp("10.0.3.1", 5640, "tap-ivi0"), ListenSpec.parse("tcp:10.0.3.1:5640%tap-ivi0"));
        assertEquals(new ListenSpec.Tcp("fe80::1", 5640, "br0"), ListenSpec.parse("tcp:[fe80::1]:5640%br0"));
    }

    @Test
    void describeRoundTrips() {
        for (String text :
                new String[] {"tcp:127.0.0.1:5640", "tcp:[::1]:0", "unix:/tmp/a.sock", "tcp:10.0.3.1:5640%tap0"}) {
            assertEquals(text, ListenSpec.parse(text).describe());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|empty listen address",
                "udp:1.2.3.4:5|unknown listen address",
                "/tmp/x.sock|unknown listen address",
                "tcp:|needs tcp:HOST:PORT",
                "tcp:127.0.0.1|needs tcp:HOST:PORT",
                "tcp:127.0.0.1:|needs tcp:HOST:PORT",
                "tcp::5640|needs tcp:HOST:PORT",
                "tcp:[]:5640|empty host",
                "tcp:::1:5640|brackets",
                "tcp:127.0.0.1:http|not a number",
                "tcp:127.0.0.1:65536|out of range",
                "tcp:127.0.0.1:-1|out of range",
                "unix:|no socket path",
                "tcp:10.0.3.1:5640%|not a network interface name",
                "tcp:10.0.3.1:5640%a/b|not a network interface name",
                "tcp:10.0.3.1:5640%sixteen-chars-xx|not a network interface name",
                "tls:127.0.0.1:5643|need --policy",
                "vsock:5|need --policy"
            })
    void refusesWithAOneLineReason(String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenSpec.parse(text));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
