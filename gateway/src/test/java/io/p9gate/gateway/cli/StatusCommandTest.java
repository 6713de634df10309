package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** p9gate status against a real serve --metrics, and its one-line errors. */
class StatusCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheRunningGatewaysTable() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        Path metrics = dir.resolve("metrics.sock");
        Path vmSocket = dir.resolve("vm.sock");
        Files.writeString(share.resolve("f"), "hello");
        try (ServeProcess serve = ServeProcess.start(
                Map.of(),
                "serve",
                "--share",
                "s=" + share,
                "--listen",
                "unix:" + vmSocket,
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--metrics",
                "unix:" + metrics)) {
            serve.awaitStdout("p9gate: listening on");
            CliRun idle = CliRun.of("status", "--metrics", "unix:" + metrics);
            assertEquals(0, idle.code(), idle.err());
            assertEquals(
                    "(no VM has been served yet)", idle.out().lines().toList().get(1), idle.out());
            try (P9Client client = P9Client.open(UnixDomainSocketAddress.of(vmSocket), 65536)) {
                client.attach(0, "root", "s", 0);
                client.walk(0, 1, "f");
                client.lopen(1, 0);
                assertEquals("hello", new String(client.read(1, 0, 100), StandardCharsets.UTF_8));
                CliRun run = CliRun.of("status", "--metrics", "unix:" + metrics);
                assertEquals(0, run.code(), run.err());
                List<String> lines = run.out().lines().toList();
                assertEquals(3, lines.size(), run.out());
                assertTrue(
                        lines.get(0)
                                .matches("VM +SESSIONS +CONNS +FIDS +REQUESTS +DENIED +ERRORS +BUDGET +READ"
                                        + " +WRITTEN +QUOTA +MEAN"),
                        run.out());
                // The listener is the VM without a policy (so no quota); attach, walk, lopen and read, one session
                // and connection holding fids 0 and 1, 5 bytes.
                assertTrue(
                        lines.get(1).matches("unix:\\S+ +1 +1 +2 +4 +0 +0 +0 +5 B +0 B +- +\\d+\\.\\d\\d ms"),
                        run.out());
                assertTrue(lines.get(2).startsWith("audit: "), run.out());
            }
        }
    }

    @Test
    void aGatewayWithoutMetricsIsOneLine() throws Exception {
        Path nobody = dir.resolve("metrics.sock");
        try (ServerSocketChannel deaf = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            deaf.bind(UnixDomainSocketAddress.of(nobody));
        } // bound and closed: the file is left, nobody listens
        CliRun run = CliRun.of("status", "--metrics", "unix:" + nobody);
        assertEquals(Main.EXIT_FAILURE, run.code());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("cannot reach the metrics endpoint unix:" + nobody), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    @Test
    void aBadAddressIsAUsageError() {
        CliRun run = CliRun.of("status", "--metrics", "localhost:9464");
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("metrics address must be unix:PATH or tcp:HOST:PORT"), run.err());
    }
}
