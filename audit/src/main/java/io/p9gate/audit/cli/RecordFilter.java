package io.p9gate.audit.cli;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.ErrnoNames;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/** Review filters shared by {@code show} and {@code export} (R-AUD-5). All given filters must match. */
final class RecordFilter {
    private static final Pattern AGO = Pattern.compile("(\\d+)([smhd])");

    @Option(names = "--vm", description = "Only records of this VM.")
    String vm;

    @Option(names = "--op", description = "Only this 9P operation (e.g. walk, lopen) or event type (e.g. start).")
    String op;

    @Option(
            names = "--decision",
            paramLabel = "allow|deny|refused",
            description = "Only decisions the policy allowed or denied, or every request the guest saw refused "
                    + "(refused: denied, or allowed but failed with an errno, e.g. a quota's EDQUOT).")
    String decision;

    @Option(
            names = "--errno",
            paramLabel = "NAME|NUMBER",
            description = "Only decisions with this errno: EDQUOT or 122; 0 for success.")
    String errnoText;

    @Option(names = "--rule", paramLabel = "ID", description = "Only decisions this rule took part in.")
    String rule;

    @Option(names = "--session", paramLabel = "N", description = "Only records of this session.")
    Long session;

    @Option(
            names = "--path",
            paramLabel = "GLOB",
            description =
                    "Only records whose path, or a rename's or link's destination, matches this glob (** crosses '/').")
    String pathGlob;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            description = "From this time: RFC 3339 (2026-05-01T10:00:00Z) or an age (30s, 15m, 2h, 7d).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Up to this time (same forms as --since).")
    String until;

    private Integer errno;
    private PathMatcher matcher;
    private Instant from;
    private Instant to;

    /** Checks the options once; bad values become a one-line usage error. */
    RecordFilter compile(Instant now) throws UserError {
        if (decision != null && !List.of("allow", "deny", "refused").contains(decision)) {
            throw CliCommand.badOption("--decision must be allow, deny or refused, not '" + decision + "'");
        }
        if (errnoText != null) {
            // Quoted: an empty value (--errno=) read "not  (see ...)".
            errno = ErrnoNames.parse(errnoText)
                    .orElseThrow(() -> CliCommand.badOption(
                            "--errno wants an errno name (EACCES, EDQUOT) or number, not '" + errnoText + "'"));
        }
        // Values no record holds: taken, they showed nothing, which read as "no such records" (a mistyped option).
        if (vm != null && vm.isEmpty()) {
            throw CliCommand.badOption("--vm wants a VM's name, not an empty one");
        }
        if (session != null && session < 0) {
            throw CliCommand.badOption("--session wants a session number (0 or more), not " + session);
        }
        if (pathGlob != null) {
            try {
                matcher = FileSystems.getDefault().getPathMatcher("glob:" + pathGlob);
            } catch (PatternSyntaxException e) {
                // Its message is three lines (the pattern and a caret under the fault): said as one.
                throw CliCommand.badOption("bad --path glob '" + pathGlob + "': " + e.getDescription()
                        + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : ""));
            } catch (IllegalArgumentException e) {
                throw CliCommand.badOption("bad --path glob '" + pathGlob + "': " + e.getMessage());
            }
        }
        from = since == null ? null : time("--since", since, now);
        to = until == null ? null : time("--until", until, now);
        return this;
    }

    boolean test(AuditRecord r) {
        if (vm != null && !vm.equals(r.vm())) {
            return false;
        }
        if (op != null && !op.equals(r.isDecision() ? r.op() : r.type())) {
            return false;
        }
        if (decision != null && !decided(r)) {
            return false;
        }
        if (errno != null && !errno.equals(r.errno())) {
            return false;
        }
        if (rule != null && (r.rules() == null || !r.rules().contains(rule))) {
            return false;
        }
        if (session != null && !session.equals(r.session())) {
            return false;
        }
        // A rename or link is about both names: moving a file into a watched subtree is as much its business as
        // moving one out.
        if (matcher != null
                && !pathMatches(r.path())
                && !destination(r.detail()).map(this::pathMatches).orElse(false)) {
            return false;
        }
        if (from != null || to != null) {
            Instant t = r.instant();
            return (from == null || !t.isBefore(from)) && (to == null || !t.isAfter(to));
        }
        return true;
    }

    /**
     * Whether the glob matches the record's path. A path that is no file name (a NUL, which no guest can send and only
     * a doctored log holds) matches no glob: Path.of threw for it and the listing stopped there.
     */
    private boolean pathMatches(String path) {
        try {
            return path != null && matcher.matches(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * The destination of a rename or link: the {@code to=} word right after {@code action=} and {@code share=} in the
     * detail (docs/audit-format.md), decoded. Guest text elsewhere in the detail is written with {@code =} escaped, so
     * no walked name can pose as it.
     */
    static Optional<String> destination(String detail) {
        if (detail == null) {
            return Optional.empty();
        }
        String[] words = detail.split(" ", 4);
        return words.length >= 3
                        && words[0].startsWith("action=")
                        && words[1].startsWith("share=")
                        && words[2].startsWith("to=")
                ? Optional.of(DetailWords.text(words[2].substring(3)))
                : Optional.empty();
    }

    /** {@code refused} is what the guest saw fail ({@link AuditRecord#refused()}), deny and allow the policy's answer. */
    private boolean decided(AuditRecord r) {
        return decision.equals("refused") ? r.refused() : decision.equals(r.decision());
    }

    private static Instant time(String option, String value, Instant now) throws UserError {
        Matcher m = AGO.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            // An age beyond any time (more digits than a long, or before Instant.MIN) is bad input like any other:
            // it escaped as "error: For input string: …" or "Instant exceeds minimum or maximum instant", exit 1.
            try {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                return now.minus(d);
            } catch (ArithmeticException | DateTimeException | NumberFormatException e) {
                throw CliCommand.badOption(option + ": the age " + value + " is too large");
            }
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw CliCommand.badOption(option + " wants an RFC 3339 time or an age like 15m, not " + value);
        }
    }
}
