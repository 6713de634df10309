package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.SmallFile;
import io.p9gate.gateway.files.RunFile;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * How {@code p9gate policy reload} learns what a running gateway made of its SIGHUP: beside the pid file
 * ({@code p9gate.pid} -> {@code p9gate.pid.reload}) the gateway keeps one line, {@code PID GENERATION
 * loaded|kept DIGEST [REASON]}, then one line {@code warning TEXT} per warning about the policy taken (a stale CRL,
 * a socket directory others may change: {@link TransportChecks}), replaced atomically after every reload, and the
 * line {@code reloading} from a reload's start, before it reads the policy file, to its outcome. The generation
 * counts reloads since the start (0 = the policy loaded at start), so a waiting command sees its own reload's lines:
 * not those of a reload under way when it looked, which may have read the file before the operator's edit (the
 * command's SIGHUP is served by the next; {@link Outcome#answeredAfter}).
 */
public final class ReloadOutcomeFile {
    private ReloadOutcomeFile() {}

    private static final String WARNING = "warning ";
    private static final String RELOADING = "reloading";
    /** Far more than an outcome and its warnings (one per CRL or socket directory) ever take. */
    private static final int MAX_BYTES = 1 << 20;

    /** What the file says: the outcome's line and the warnings about the policy in force after it. */
    public record Outcome(
            long pid,
            long generation,
            boolean taken,
            String digest,
            String reason,
            List<String> warnings,
            boolean reloading) {
        public Outcome {
            warnings = List.copyOf(warnings);
        }

        /** An outcome with no reload under way after it. */
        public Outcome(long pid, long generation, boolean taken, String digest, String reason, List<String> warnings) {
            this(pid, generation, taken, digest, reason, warnings, false);
        }

        String text() {
            StringBuilder text = new StringBuilder()
                    .append(pid + " " + generation + " " + (taken ? "loaded" : "kept") + " " + digest)
                    .append(reason.isEmpty() ? "" : " " + oneLine(reason))
                    .append('\n');
            warnings.forEach(w -> text.append(WARNING).append(oneLine(w)).append('\n'));
            return text.append(reloading ? RELOADING + "\n" : "").toString();
        }

        /**
         * The generation a reload asked for after this look must pass: its outcome is the first of a later one. A
         * reload under way may have read the file before the look (before the edit the operator now reloads for), so
         * its outcome answers no request made now: the next one's does.
         */
        public long answeredAfter() {
            return reloading ? generation + 1 : generation;
        }

        private static String oneLine(String s) {
            return s.replace('\n', ' ').replace('\r', ' ');
        }

        /** A refused reload leaves the policy, and so what was said about it, as it was: no warnings. */
        static Outcome of(long pid, long generation, ReloadResult result, List<String> warnings) {
            return switch (result) {
                case ReloadResult.Loaded loaded -> new Outcome(pid, generation, true, loaded.newDigest(), "", warnings);
                case ReloadResult.Kept kept ->
                    new Outcome(pid, generation, false, kept.digest(), kept.reason(), List.of());
            };
        }

        public static Optional<Outcome> parse(String text) {
            List<String> lines = text.strip().lines().toList();
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            String[] f = lines.getFirst().split(" ", 5);
            if (f.length < 4 || !(f[2].equals("loaded") || f[2].equals("kept"))) {
                return Optional.empty();
            }
            List<String> warnings = lines.stream()
                    .skip(1)
                    .filter(l -> l.startsWith(WARNING))
                    .map(l -> l.substring(WARNING.length()))
                    .toList();
            try {
                return Optional.of(new Outcome(
                        Long.parseLong(f[0]),
                        Long.parseLong(f[1]),
                        f[2].equals("loaded"),
                        f[3],
                        f.length == 5 ? f[4] : "",
                        warnings,
                        lines.stream().skip(1).anyMatch(RELOADING::equals)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    public static Path beside(Path pidFile) {
        return pidFile.resolveSibling(pidFile.getFileName() + ".reload");
    }

    /**
     * Keeps the file beside {@code pidFile}: generation 0 now, then one outcome per reload, with the
     * {@code warnings} about the policy then in force. Call it after the reload's other listeners are registered
     * (quota books, audit record, the transport checks that make the warnings): listeners run in order, so a
     * waiting {@code policy reload} returns only once the new policy is wholly in force.
     */
    public static void reportBeside(
            Path pidFile, PolicyHolder holder, PolicyReloader reloader, Supplier<List<String>> warnings)
            throws IOException {
        Path file = beside(pidFile);
        long pid = ProcessHandle.current().pid();
        AtomicReference<Outcome> last =
                new AtomicReference<>(new Outcome(pid, 0, true, holder.current().digest(), "", warnings.get()));
        write(file, last.get());
        file.toFile().deleteOnExit();
        reloader.onBegin(() -> {
            Outcome o = last.get();
            report(file, new Outcome(o.pid(), o.generation(), o.taken(), o.digest(), o.reason(), o.warnings(), true));
        });
        reloader.onReload(result -> {
            last.set(Outcome.of(pid, last.get().generation() + 1, result, warnings.get()));
            report(file, last.get());
        });
    }

    /** Writes {@code outcome}; a failure is logged, the reload goes on (a waiting command then times out). */
    private static void report(Path file, Outcome outcome) {
        try {
            write(file, outcome);
        } catch (IOException e) {
            System.getLogger(ReloadOutcomeFile.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "cannot report the reload's outcome in " + file + ": " + e.getMessage());
        }
    }

    /** Replaces the file in one rename, never writing through a link ({@link RunFile}). */
    public static void write(Path file, Outcome outcome) throws IOException {
        RunFile.replace(file, outcome.text());
    }

    /**
     * The current line; empty if there is no file (yet) or it does not hold one. Read as a small regular file
     * ({@link SmallFile}), as the pid file is: a FIFO in its place held {@code policy reload} in open(2) for ever.
     */
    public static Optional<Outcome> read(Path file) throws IOException {
        try {
            return Outcome.parse(new String(SmallFile.read(file, MAX_BYTES), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (SmallFile.UnfitException e) {
            throw new IOException(FileReason.said(file, e.getMessage()) + " (not a reload outcome file)");
        }
    }
}
