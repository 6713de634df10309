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

    /**
     * A hostile peer at the metrics address (a wrong socket, a compromised process) chooses every byte status
     * prints: its VM names and its HTTP status line must not reach the operator's terminal raw (an ANSI escape
     * clears the screen or retitles the window, a newline forges a row, a bidi override reorders it).
     */
    @Test
    void whatAPeerSendsNeverReachesTheTerminalRaw() throws Exception {
        String vm = "vm\u001b]0;owned\u0007\u001b[2J\u009b1m\u202e";
        CliRun table = againstPeer("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + "p9gate_requests_total{vm=\""
                + vm + "\\nforged  9  9\",op=\"walk\",decision=\"allow\"} 3\n");
        assertEquals(0, table.code(), table.err());
        assertPrintable(table.out());
        assertTrue(table.out().contains("vm\\x1b]0;owned\\x07\\x1b[2J\\x9b1m\\u202e\\nforged  9  9"), table.out());
        assertEquals(3, table.out().lines().count(), "header, one VM, audit:\n" + table.out());

        CliRun refused = againstPeer("HTTP/1.0 404 " + vm + "\r\n\r\n");
        assertEquals(Main.EXIT_FAILURE, refused.code());
        assertPrintable(refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
    }

    /** Runs status against a unix socket whose peer reads the request and answers {@code response}. */
    private CliRun againstPeer(String response) throws Exception {
        Path socket = dir.resolve("peer-" + System.nanoTime() + ".sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread peer = Thread.ofVirtual().start(() -> {
                try (var c = server.accept()) {
                    c.read(java.nio.ByteBuffer.allocate(4096));
                    c.write(java.nio.ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
                } catch (java.io.IOException e) {
                    // the test fails on what status printed
                }
            });
            CliRun run = CliRun.of("status", "--metrics", "unix:" + socket);
            peer.join();
            return run;
        }
    }

    /** Nothing below 0x20 but the line ends, no DEL, no C1 control, no bidi or other format character. */
    static void assertPrintable(String output) {
        output.codePoints()
                .filter(c -> c != '\n')
                .forEach(c -> assertFalse(
                        c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT,
                        "raw U+" + Integer.toHexString(c) + " in: " + output));
    }

    @Test
    void aBadAddressIsAUsageError() {
        CliRun run = CliRun.of("status", "--metrics", "localhost:9464");
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("metrics address must be unix:PATH or tcp:HOST:PORT"), run.err());
    }
}
