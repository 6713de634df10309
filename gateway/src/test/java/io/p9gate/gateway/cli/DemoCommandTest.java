package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo serves a scratch copy of the bundled share, never the repository's files. */
class DemoCommandTest {

    @Test
    void bundledShareIsFoundFromTheCheckout() {
        Path share = DemoCommand.DemoFiles.bundledShare();
        assertTrue(Files.isRegularFile(share.resolve("README.txt")), share.toString());
    }

    @Test
    void scratchCopyHoldsTheSameTreeTraversableByNobodyAndIsDeletable() throws Exception {
        Path source = DemoCommand.DemoFiles.bundledShare();
        Path scratch = DemoCommand.DemoFiles.scratchCopy(source);
        try {
            Path copy = scratch.resolve("share");
            assertEquals(relativeTree(source), relativeTree(copy));
            assertEquals(Files.readString(source.resolve("README.txt")), Files.readString(copy.resolve("README.txt")));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(scratch)));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
            assertFalse(copy.toRealPath().startsWith(source.toRealPath()), "the copy is not inside the repository");
        } finally {
            DemoCommand.DemoFiles.deleteTree(scratch);
        }
        assertFalse(Files.exists(scratch), "scratch copy deleted");
    }

    @Test
    void demoPolicyIsPointedAtTheScratchCopyAndLoads() throws Exception {
        Path scratch = DemoCommand.DemoFiles.scratchCopy(DemoCommand.DemoFiles.bundledShare());
        try {
            Path socket = scratch.resolve("demo.sock");
            Path policyFile = DemoCommand.DemoFiles.demoPolicy(scratch, socket);
            String yaml = Files.readString(policyFile);
            assertFalse(yaml.contains(DemoCommand.POLICY_PREFIX), "no placeholder path is left: " + yaml);
            var engine = PolicyServe.load(policyFile, DemoCommand.DemoFiles.check(scratch))
                    .current();
            assertEquals(
                    scratch.resolve("share"),
                    engine.shareDir(DemoCommand.VM, DemoCommand.SHARE_NAME).orElseThrow());
            assertEquals(
                    "unix:" + socket, engine.listeners().get(DemoCommand.VM).describe());
        } finally {
            DemoCommand.DemoFiles.deleteTree(scratch);
        }
    }

    /** The command the demo prints for the compliance suite is one the CLI takes, aimed at the demo's own files. */
    @Test
    void complianceCommandParsesAndNamesTheScratchFiles() {
        Path scratch = Path.of("/tmp/p9gate-demo-123");
        String command = DemoCommand.complianceCommand("./p9gate", scratch);
        String[] words = command.split(" ");
        assertEquals("./p9gate", words[0]);
        picocli.CommandLine.ParseResult parsed =
                Main.newCommandLine().parseArgs(java.util.Arrays.copyOfRange(words, 1, words.length));
        picocli.CommandLine.ParseResult run = parsed.subcommand().subcommand();
        assertEquals("run", run.commandSpec().name());
        assertEquals(scratch.resolve("policy.yaml"), run.matchedOptionValue("--policy", null));
        assertEquals(scratch.resolve("audit"), run.matchedOptionValue("--audit-log", null));
        assertEquals(List.of(scratch.resolve("audit.pub")), run.matchedOptionValue("--audit-pub", null));
    }

    /**
     * The printed follow-up commands start with a launcher the operator's shell finds: {@code ./p9gate} only in the
     * checkout. Before, {@code ./p9gate} whatever the directory the demo was started from, which is "not found"
     * anywhere else.
     */
    @Test
    void followUpCommandsNameTheLauncherByItsPathOutsideTheCheckout(@TempDir Path elsewhere) {
        Path home = DemoCommand.DemoFiles.home();
        assertEquals("./p9gate", DemoCommand.launcher(home, home));
        Path launcher = Path.of(DemoCommand.launcher(home, elsewhere));
        assertTrue(launcher.isAbsolute(), launcher.toString());
        assertTrue(Files.isExecutable(launcher), launcher + " is the checkout's launcher");
        assertTrue(DemoCommand.complianceCommand(launcher.toString(), elsewhere)
                .startsWith(launcher + " compliance run "));
    }

    /** What the demo prints last, with and without --keep, is what docs/cli.md shows (it did not say --keep's). */
    @Test
    void theLastLineIsTheOneTheDocsShow() throws Exception {
        String docs = Files.readString(Path.of("../docs/cli.md"));
        Path scratch = Path.of("/tmp/p9gate-demo-1234567");
        for (boolean keep : new boolean[] {false, true}) {
            String line = DemoCommand.stopLine(scratch, keep);
            assertTrue(docs.contains("\n   " + line + "\n"), "docs/cli.md shows: " + line);
        }
        assertTrue(DemoCommand.stopLine(scratch, true).contains(scratch.toString()), "a kept copy is named");
    }

    @Test
    void badPortIsOneUsageLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), "demo", "--port", "70000");
        assertEquals(Main.EXIT_USAGE, code, err.toString());
        assertEquals(1, err.toString().strip().split("\n").length, err.toString());
        assertTrue(err.toString().contains("port"), err.toString());
    }

    @Test
    void aPortInUseIsOneLineNamingTheListener(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Path socket = dir.resolve("demo.sock");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.execute(
                    new PrintWriter(out),
                    new PrintWriter(err),
                    "demo",
                    "--port",
                    Integer.toString(port),
                    "--socket",
                    socket.toString());
            String line = err.toString().strip();
            assertEquals(Main.EXIT_FAILURE, code, line);
            assertEquals(1, line.split("\n").length, line);
            assertTrue(line.startsWith("p9gate demo: error: cannot listen on tcp:127.0.0.1:" + port + ": "), line);
            assertEquals(line.indexOf("cannot listen on"), line.lastIndexOf("cannot listen on"), line);
            assertTrue(line.endsWith("(try --port or --socket)"), line);
        }
    }

    private static List<String> relativeTree(Path root) throws Exception {
        try (Stream<Path> tree = Files.walk(root)) {
            return tree.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
