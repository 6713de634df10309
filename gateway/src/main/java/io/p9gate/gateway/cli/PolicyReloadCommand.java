package io.p9gate.gateway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code p9gate policy reload}: asks a running {@code serve --policy} to reload its policy file
 * (R-POL-7) by sending SIGHUP to the process in its pid file, exactly what {@code kill -HUP} does.
 * Whether the new file was taken or refused is in the gateway's log (and audit log).
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Make a running 'p9gate serve --policy' reload its policy (sends SIGHUP).")
public final class PolicyReloadCommand implements Callable<Integer> {
    static final Path DEFAULT_PID_FILE = Path.of("/run/p9gate/p9gate.pid");
    private static final long KILL_TIMEOUT_SECONDS = 10;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "The pid file 'serve --pid-file' wrote (default: ${DEFAULT-VALUE}).")
    Path pidFile = DEFAULT_PID_FILE;

    @Override
    public Integer call() throws IOException, InterruptedException {
        long pid = readPid();
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            throw new IOException("no running gateway with pid " + pid + " (from " + pidFile + ")");
        }
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).redirectErrorStream(true).start();
        String said = new String(kill.getInputStream().readAllBytes()).strip();
        if (!kill.waitFor(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("cannot signal pid " + pid + (said.isEmpty() ? "" : ": " + said));
        }
        spec.commandLine().getOut().println("p9gate: asked pid " + pid + " to reload its policy; its log says "
                + "whether the new file was taken");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private long readPid() throws IOException {
        String text;
        try {
            text = Files.readString(pidFile).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("no pid file " + pidFile + " (start the gateway with serve --pid-file)");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("pid file " + pidFile + " does not hold a process id: '" + text + "'");
        }
    }
}
