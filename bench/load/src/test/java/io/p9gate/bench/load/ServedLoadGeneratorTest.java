package io.p9gate.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load client against {@code p9gate serve --policy} as users run it (its own JVM), one VM on a Unix socket and
 * one on a mutual-TLS listener: every workload of the client contract completes on both, and leaves the share as it
 * found it.
 */
class ServedLoadGeneratorTest {
    private static final List<Workload> WORKLOADS = List.of(Workload.SEQ_WRITE, Workload.META, Workload.GETATTR);

    @TempDir
    static Path dir;

    private static PolicyGatewayProcess gateway;
    private static int tlsPort;

    @BeforeAll
    static void serve() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "bench test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("remote", Duration.ofDays(1));
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tlsPort = probe.getLocalPort();
        }
        Files.createDirectories(dir.resolve("local"));
        Files.createDirectories(dir.resolve("remote"));
        Files.writeString(dir.resolve("policy.yaml"), """
                image: load-client-test
                vms:
                  local:
                    listen: unix:%1$s/local.sock
                    shares: {data: {path: %1$s/local, access: read-write}}
                  remote:
                    listen: tls:127.0.0.1:%2$d
                    client-cert: {ca: %1$s/pki/ca-cert.pem, subject: "CN=remote"}
                    shares: {data: {path: %1$s/remote, access: read-write}}
                """.formatted(dir, tlsPort));
        gateway = PolicyGatewayProcess.serve(
                dir.resolve("policy.yaml"),
                "--ownership",
                "xattr",
                "--tls-cert",
                dir.resolve("pki").resolve(TestPki.SERVER_CERT).toString(),
                "--tls-key",
                dir.resolve("pki").resolve(TestPki.SERVER_KEY).toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void unixSocket() throws Exception {
        assertEveryWorkloadRuns(dir.resolve("local"), "--server", "unix:" + dir.resolve("local.sock"));
    }

    @Test
    void mutualTls() throws Exception {
        Path vm = dir.resolve("pki").resolve("remote");
        assertEveryWorkloadRuns(
                dir.resolve("remote"),
                "--server",
                "tls:127.0.0.1:" + tlsPort,
                "--tls-cert",
                vm.resolve(TestPki.CLIENT_CERT).toString(),
                "--tls-key",
                vm.resolve(TestPki.CLIENT_KEY).toString(),
                "--tls-ca",
                dir.resolve("pki").resolve(TestPki.CA_CERT).toString());
    }

    private static void assertEveryWorkloadRuns(Path share, String... server) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(server));
        args.addAll(List.of(
                "--aname",
                "data",
                "--workloads",
                "seq-write,meta,getattr",
                "--size-mb",
                "1",
                "--files",
                "20",
                "--concurrency",
                "4"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<LoadResult> results = new LoadGenerator(
                        LoadOptions.parse(args.toArray(String[]::new)),
                        new PrintStream(out, true, StandardCharsets.UTF_8))
                .run();
        assertEquals(WORKLOADS, results.stream().map(LoadResult::workload).toList(), out.toString());
        assertTrue(results.stream().allMatch(r -> r.value() > 0), results.toString());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("# msize 524288"), out.toString());
        try (var left = Files.list(share)) {
            assertArrayEquals(new Path[0], left.toArray(Path[]::new), "the workloads clean up after themselves");
        }
    }
}
