package io.p9gate.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The load client's command line and its RESULT lines (the contract in bench/clients/guest-kernel.sh). */
class LoadOptionsTest {

    @Test
    void contractOptionsAndDefaults() {
        LoadOptions o = LoadOptions.parse(
                "--server",
                "127.0.0.1:5640",
                "--aname",
                "/srv/x",
                "--workloads",
                "seq-read,meta",
                "--size-mb",
                "64",
                "--files",
                "300");
        assertEquals(new Endpoint.Plain(InetSocketAddress.createUnresolved("127.0.0.1", 5640)), o.server());
        assertEquals("/srv/x", o.aname());
        assertEquals(List.of(Workload.SEQ_READ, Workload.META), o.workloads());
        assertEquals(64L * 1024 * 1024, o.sizeBytes());
        assertEquals(300, o.files());
        assertEquals(16, o.concurrency());
        assertEquals(512 * 1024, o.msize());
    }

    @Test
    void extraOptionsAndDefaultWorkloads() {
        LoadOptions o =
                LoadOptions.parse("--aname", "bench", "--server", "[::1]:7", "--concurrency", "32", "--msize", "65536");
        assertEquals(new Endpoint.Plain(InetSocketAddress.createUnresolved("::1", 7)), o.server());
        assertEquals(List.of(Workload.SEQ_WRITE, Workload.SEQ_READ, Workload.META), o.workloads());
        assertEquals(32, o.concurrency());
        assertEquals(65536, o.msize());
    }

    @Test
    void unixSocketServers() {
        assertEquals(
                new Endpoint.Plain(UnixDomainSocketAddress.of("/run/p9gate/a.sock")),
                LoadOptions.parse("--server", "unix:/run/p9gate/a.sock", "--aname", "a")
                        .server());
    }

    @Test
    void mutualTlsServersWithTheVmsCertificate() {
        assertEquals(
                new Endpoint.Tls(
                        InetSocketAddress.createUnresolved("127.0.0.1", 5641),
                        Path.of("vm/cert.pem"),
                        Path.of("vm/key.pem"),
                        Path.of("ca.pem")),
                LoadOptions.parse(
                                "--server",
                                "tls:127.0.0.1:5641",
                                "--aname",
                                "a",
                                "--tls-cert",
                                "vm/cert.pem",
                                "--tls-key",
                                "vm/key.pem",
                                "--tls-ca",
                                "ca.pem")
                        .server());
    }

    @Test
    void badInputIsOneClearMessage() {
        assertMessage("--server and --aname are required", "--server", "h:1");
        assertMessage("unknown workload 'seq'", "--server", "h:1", "--aname", "a", "--workloads", "seq");
        assertMessage("--files wants a positive integer, not '0'", "--server", "h:1", "--aname", "a", "--files", "0");
        assertMessage("--server wants HOST:PORT, not 'localhost'", "--server", "localhost", "--aname", "a");
        assertMessage("--server port out of range: 70000", "--server", "h:70000", "--aname", "a");
        assertMessage("--size-mb needs a value", "--server", "h:1", "--aname", "a", "--size-mb");
        assertMessage("unknown option --bogus", "--bogus", "1");
        assertMessage(
                "a tls: server needs --tls-cert, --tls-key and --tls-ca",
                "--server",
                "tls:h:1",
                "--aname",
                "a",
                "--tls-cert",
                "c.pem",
                "--tls-key",
                "k.pem");
        assertMessage(
                "--tls-cert, --tls-key and --tls-ca are for a tls: server, not 'h:1'",
                "--server",
                "h:1",
                "--aname",
                "a",
                "--tls-ca",
                "ca.pem");
        assertMessage(
                "--server wants HOST:PORT, not 'h'",
                "--server",
                "tls:h",
                "--aname",
                "a",
                "--tls-cert",
                "c",
                "--tls-key",
                "k",
                "--tls-ca",
                "ca");
    }

    private static void assertMessage(String expectedStart, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(args));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    @Test
    void resultLinesFollowTheContract() {
        assertEquals(
                "RESULT seq-write 256.00 MiB/s",
                LoadResult.rate(Workload.SEQ_WRITE, 128, 500_000_000L, "MiB/s").line());
        assertEquals(
                "RESULT meta 1500.00 ops/s",
                LoadResult.rate(Workload.META, 1500, 1_000_000_000L, "ops/s").line());
        assertEquals("RESULT getattr 0.33 ops/s", new LoadResult(Workload.GETATTR, 1.0 / 3, "ops/s").line());
    }
}
