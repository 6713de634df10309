package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --policy}: what it refuses, with one line and the right exit code. */
class ServePolicyOptionsTest {
    @TempDir
    Path dir;

    private record Run(int code, String err) {
        String onlyLine() {
            String[] lines = err.strip().split("\n");
            assertEquals(1, lines.length, "one line on stderr: " + err);
            assertFalse(err.contains("\tat "), "no stack trace");
            return lines[0];
        }
    }

    private Run run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        return new Run(code, err.toString());
    }

    private Path validPolicy() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        return Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      s: {path: %s, access: read-only}
                """.formatted(dir.resolve("vm1.sock"), share));
    }

    @Test
    void policyExcludesShareAndListen() throws Exception {
        Path policy = validPolicy();
        Run withShare = run("serve", "--policy", policy.toString(), "--share", "a=" + dir);
        assertEquals(Main.EXIT_USAGE, withShare.code());
        assertTrue(withShare.onlyLine().contains("do not combine it with --share or --listen"), withShare.err());
        Run withListen = run("serve", "--policy", policy.toString(), "--listen", "tcp:127.0.0.1:0");
        assertEquals(Main.EXIT_USAGE, withListen.code());
    }

    /**
     * Before: "VM 'vm1' socket: no user 'nosuchuser-p9gate' on this host", no file, line or field to correct; then
     * the VM's first key (4:5), not the name to correct.
     */
    @Test
    void aSocketOwnerUnknownHereIsNamedWithItsFileLineAndField() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path policy = Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    socket: {owner: nosuchuser-p9gate}
                    shares:
                      s: {path: %s, access: read-only}
                """.formatted(dir.resolve("vm1.sock"), share));
        Run r = run("serve", "--policy", policy.toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        String line = r.onlyLine();
        assertTrue(
                line.startsWith("p9gate serve: error: " + policy
                        + ":5:21: VM 'vm1' socket: owner: no user 'nosuchuser-p9gate' on this host"),
                line);
    }

    /**
     * Two VMs whose socket paths differ only by a link to one directory are one socket on this host: the load
     * compares paths as written (the build host cannot see the ECU's links) and said ok, then serve bound VM a's
     * socket and refused VM b's with "another process is listening on it", the gateway itself, naming no VM.
     */
    @Test
    void twoVmsOnOneSocketThroughALinkAreRefusedNamingBoth() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path sockets = Files.createDirectories(dir.resolve("sockets"));
        Files.createSymbolicLink(dir.resolve("link"), sockets);
        Path policy = Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  a:
                    listen: unix:%s
                    shares: {s: {path: %s, access: read-only}}
                  b:
                    listen: unix:%s
                    shares: {s: {path: %s, access: read-only}}
                """.formatted(
                        sockets.resolve("vm.sock"), share, dir.resolve("link/vm.sock"), share));
        Run r = run("serve", "--policy", policy.toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        String line = r.onlyLine();
        assertTrue(
                line.startsWith("p9gate serve: error: " + policy + ":7:5: VM 'b' listens on unix:"
                        + dir.resolve("link/vm.sock") + ", which is on this host the socket of VM 'a' (unix:"
                        + sockets.resolve("vm.sock") + ")"),
                line);
        assertFalse(Files.exists(sockets.resolve("vm.sock")), "nothing bound");
    }

    @Test
    void ownershipMustBeChownOrXattr() throws Exception {
        Run r = run("serve", "--policy", validPolicy().toString(), "--ownership", "magic");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.onlyLine().contains("--ownership must be chown or xattr"), r.err());
    }

    @Test
    void ownershipOrAPidFileWithoutAPolicyIsAUsageError() throws Exception {
        Run r = run("serve", "--listen", "tcp:127.0.0.1:0", "--share", "a=" + dir, "--ownership", "xattr");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.onlyLine().contains("--ownership keeps the mapped ids of a policy's shares"), r.err());
        Run pid = run(
                "serve",
                "--listen",
                "tcp:127.0.0.1:0",
                "--share",
                "a=" + dir,
                "--pid-file",
                dir.resolve("p9gate.pid").toString());
        assertEquals(Main.EXIT_USAGE, pid.code(), pid.err());
        assertTrue(pid.onlyLine().contains("--pid-file is for reloading a policy"), pid.err());
    }

    @Test
    void aBrokenPolicyFailsWithItsFileLineAndColumn() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "image: t\nvms:\n  vm1:\n    listn: unix:/x\n");
        Run r = run("serve", "--policy", bad.toString());
        assertEquals(Main.EXIT_FAILURE, r.code());
        assertTrue(r.onlyLine().contains(bad + ":4:"), r.err());
    }

    @Test
    void neitherPolicyNorSharesIsAUsageError() {
        Run r = run("serve");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.onlyLine().contains("--policy FILE"), r.err());
    }

    @Test
    void reloadWithoutAPidFileSaysSo() {
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new PolicyReloadCommand());
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println(e.getMessage());
            return Main.EXIT_FAILURE;
        });
        Path none = dir.resolve("none.pid");
        assertEquals(Main.EXIT_USAGE, cl.execute("--pid-file", none.toString()));
        assertTrue(
                err.toString().contains(none + ": no such file or directory (start the gateway with serve --pid-file)"),
                err.toString());
    }
}
