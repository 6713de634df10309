package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * p9gate-mount's command line, run on the host: everything it must refuse before it touches a channel or mounts
 * (the mounts themselves need a guest: GuestMountHelperIT). Each refusal is one line, with its exit status.
 */
class MountHelperTest {
    private static Path helper;

    @BeforeAll
    static void build() throws Exception {
        helper = MountHelper.build();
    }

    @Test
    void helpExitsZeroAndNamesBothChannels() throws Exception {
        Run run = run("--help");
        assertEquals(0, run.exit, run.output);
        assertTrue(run.output.startsWith("usage: p9gate-mount (--vsock CID:PORT | --port NAME)"), run.output);
    }

    @Test
    void isStaticSoAGuestWithoutOurLibcRunsIt() throws Exception {
        Process file = new ProcessBuilder("ldd", helper.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(file.getInputStream().readAllBytes());
        file.waitFor(30, TimeUnit.SECONDS);
        assertTrue(output.contains("not a dynamic executable"), output);
    }

    @Test
    void usageErrorsAreOneLineWithStatusTwo(@TempDir Path dir) throws Exception {
        String mnt = dir.toString();
        assertUsageError(run(mnt), "give exactly one of --vsock CID:PORT or --port NAME");
        assertUsageError(run("--vsock", "2:564", "--port", "p9", mnt), "give exactly one of");
        assertUsageError(run("--port", "p9"), "no mount point");
        assertUsageError(run("--port"), "--port needs a value");
        assertUsageError(run("--vsock", "host:564", mnt), "--vsock host:564: expected CID:PORT");
        assertUsageError(run("--vsock", "2:", mnt), "--vsock 2:: expected CID:PORT");
        assertUsageError(
                run("--port", "p9", "-o", "aname=media,trans=tcp", mnt),
                "-o trans=tcp: trans, rfdno and wfdno are set by p9gate-mount");
        assertUsageError(run("--port", "p9", "-o", "rfdno=0", mnt), "-o rfdno=0");
        assertUsageError(run("--port", "p9", "--bogus", mnt), "unknown option --bogus");
        assertUsageError(run("--port", "p9", mnt, mnt), "one mount point only");
    }

    @Test
    void aMissingMountPointOrPortIsOneLineWithStatusOne(@TempDir Path dir) throws Exception {
        Run noDir = run("--port", "p9", dir.resolve("absent").toString());
        assertFailure(noDir, "p9gate-mount: mount point " + dir.resolve("absent") + ": No such file or directory");
        Path file = Files.createFile(dir.resolve("file"));
        assertFailure(run("--port", "p9", file.toString()), "mount point " + file + ": not a directory");
        Run noPort = run("--port", "p9gate-test-no-such-port", dir.toString());
        assertFailure(noPort, "port p9gate-test-no-such-port: no virtio-serial port");
        Run noDevice = run("--port", dir.resolve("no-device").toString(), dir.toString());
        assertFailure(noDevice, "cannot open " + dir.resolve("no-device") + ": No such file or directory");
    }

    private static void assertUsageError(Run run, String expected) {
        assertEquals(2, run.exit, run.output);
        assertOneLine(run, expected);
        assertTrue(run.output.strip().endsWith("(p9gate-mount --help)"), run.output);
    }

    private static void assertFailure(Run run, String expected) {
        assertEquals(1, run.exit, run.output);
        assertOneLine(run, expected);
    }

    private static void assertOneLine(Run run, String expected) {
        assertTrue(run.output.startsWith("p9gate-mount: "), run.output);
        assertEquals(1, run.output.strip().lines().count(), run.output);
        assertTrue(run.output.contains(expected), () -> "expected '" + expected + "' in: " + run.output);
    }

    private static Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(helper.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return new Run(p.exitValue(), output);
    }

    private record Run(int exit, String output) {}
}
