package io.p9gate.gateway.cli;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.SmallFile;
import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import io.p9gate.policy.load.IoReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code p9gate policy reload}: asks a running {@code serve --policy} to reload its policy file
 * (R-POL-7) by sending SIGHUP to the process in its pid file, exactly what {@code kill -HUP} does, then
 * waits for the gateway's verdict ({@link ReloadOutcomeFile}) and exits 1 if the new file was refused:
 * this is systemd's ExecReload, and {@code systemctl reload} must fail when the old policy stays.
 */
@Command(
        name = "reload",
        mixinStandardHelpOptions = true,
        description = "Make a running 'p9gate serve --policy' reload its policy (sends SIGHUP) and report whether "
                + "the new file was taken (exit 0) or refused (exit 1).")
public final class PolicyReloadCommand implements Callable<Integer> {
    static final Path DEFAULT_PID_FILE = Path.of("/run/p9gate/p9gate.pid");

    /** A pid is at most 20 digits; a longer file is not one {@code serve --pid-file} wrote. */
    private static final int MAX_PID_FILE_BYTES = 64;

    private static final long KILL_TIMEOUT_SECONDS = 10;
    private static final long POLL_MILLIS = 50;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--pid-file",
            paramLabel = "FILE",
            description = "The pid file 'serve --pid-file' wrote (default: ${DEFAULT-VALUE}).")
    Path pidFile = DEFAULT_PID_FILE;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            description = "How long to wait for the gateway's verdict (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds = 60;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (timeoutSeconds < 1) {
            // Not seen until after the signal: the reload happened, and was reported as not done in time.
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--timeout must be at least 1 second, not " + timeoutSeconds);
        }
        long pid;
        try {
            pid = readPid();
        } catch (NoPidFileException e) {
            // Bad input, exit 2 as in every command (docs/cli.md): it was 1, which says the policy was refused.
            CliMessages.printError(spec, e.getMessage());
            return Main.EXIT_USAGE;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            throw new IOException("no running gateway with pid " + pid + " (from " + pidFile + ")");
        }
        requireGateway(pid);
        Path outcomes = ReloadOutcomeFile.beside(pidFile);
        long before = ReloadOutcomeFile.read(outcomes)
                .filter(o -> o.pid() == pid)
                .orElseThrow(() -> new IOException("gateway " + pid + " reports no reload outcomes (no " + outcomes
                        + "); it was not started with serve --policy --pid-file"))
                .answeredAfter();
        signal(pid);
        ReloadOutcomeFile.Outcome outcome = awaitOutcome(outcomes, pid, before, process.get());
        if (!outcome.taken()) {
            throw new IOException("the gateway refused the new policy and keeps sha256 " + outcome.digest() + ": "
                    + outcome.reason());
        }
        spec.commandLine().getOut().println("p9gate: policy reloaded (sha256 " + outcome.digest() + ")");
        spec.commandLine().getOut().flush();
        // Taken all the same (as at start): what the gateway logged about the new policy, where the operator looks.
        PrintWriter err = spec.commandLine().getErr();
        outcome.warnings().forEach(w -> err.println("p9gate: WARNING: " + w));
        err.flush();
        return 0;
    }

    private ReloadOutcomeFile.Outcome awaitOutcome(Path outcomes, long pid, long before, ProcessHandle gateway)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            Optional<ReloadOutcomeFile.Outcome> now =
                    ReloadOutcomeFile.read(outcomes).filter(o -> o.pid() == pid && o.generation() > before);
            if (now.isPresent()) {
                return now.get();
            }
            if (!gateway.isAlive()) {
                throw new IOException("gateway " + pid + " exited before reporting the reload");
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IOException("gateway " + pid + " did not report the reload within " + timeoutSeconds + " s");
    }

    /**
     * The pid must be the gateway this pid file is for ({@code p9gate serve ... --pid-file FILE}): a pid file outlives
     * a gateway killed without its exit hooks, and SIGHUP ends most other programs that may have its pid since.
     */
    private void requireGateway(long pid) throws IOException {
        List<String> args;
        try {
            args = GatewayProcess.commandLine(pid);
        } catch (IOException e) {
            throw new IOException("cannot tell whether pid " + pid + " (from " + pidFile + ") is the gateway: "
                    + IoReason.of(e) + "; no signal sent");
        }
        if (!GatewayProcess.isServeWith(args, GatewayProcess.workingDirectory(pid), pidFile.toAbsolutePath())) {
            // Only argv[0]: the rest of another program's command line may hold secrets, and this goes to the journal.
            String program = args.isEmpty() ? "" : args.getFirst();
            throw new IOException("pid " + pid + " (from " + pidFile + ") is not the gateway that wrote it: its"
                    + " program is '" + (program.length() > 200 ? program.substring(0, 200) + "…" : program)
                    + "', not 'p9gate serve ... --pid-file " + pidFile + "' (a pid file left by a gateway that died,"
                    + " its pid reused?); no signal sent");
        }
    }

    private void signal(long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        String said = new String(kill.getInputStream().readAllBytes()).strip();
        if (!kill.waitFor(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("cannot signal pid " + pid + (said.isEmpty() ? "" : ": " + said));
        }
    }

    /** {@code --pid-file} names no pid file: not there, no regular file, or one that holds no process id. */
    private static final class NoPidFileException extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        NoPidFileException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The pid in the pid file. Read as a small regular file ({@link SmallFile}): a directory answered "Is a
     * directory" without naming the file, and a FIFO held the command in open(2) for ever.
     */
    private long readPid() throws IOException, NoPidFileException {
        String text;
        try {
            text = StandardCharsets.US_ASCII
                    .newDecoder()
                    .decode(ByteBuffer.wrap(SmallFile.read(pidFile, MAX_PID_FILE_BYTES)))
                    .toString()
                    .strip();
        } catch (NoSuchFileException e) {
            throw new NoPidFileException(FileReason.missing(pidFile) + " (start the gateway with serve --pid-file)");
        } catch (SmallFile.UnfitException e) {
            throw new NoPidFileException(FileReason.said(pidFile, e.getMessage()) + " (not a pid file)");
        } catch (CharacterCodingException e) {
            throw new NoPidFileException("pid file " + pidFile + " does not hold a process id: it is not text");
        }
        try {
            long pid = Long.parseLong(text);
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // Said below, as for a pid that is not positive.
        }
        throw new NoPidFileException("pid file " + pidFile + " does not hold a process id: '" + text + "'");
    }
}
