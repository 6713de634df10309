package io.p9gate.audit.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs a command as a user would and captures what it prints. */
record CliRun(int exit, String out, String err) {
    static CliRun of(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = AuditCommand.commandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    static CliRun audit(String... args) {
        return of(new AuditCommand(), args);
    }

    /** The SEQ column of {@code audit show}'s table of {@code log} under these filters; the show must succeed. */
    static List<String> shownSeqs(String log, String... filters) {
        List<String> args = new ArrayList<>(List.of("show", "--log", log));
        args.addAll(List.of(filters));
        CliRun r = audit(args.toArray(String[]::new));
        if (r.exit() != 0) {
            throw new AssertionError("audit show exited " + r.exit() + ": " + r.err());
        }
        return r.out().lines().skip(1).map(l -> l.split(" +")[0]).toList();
    }

    /** Bad input must give one line, in the common style ({@code p9gate audit verify: error: ...}), and no stack trace. */
    boolean oneLineError() {
        return err.strip().lines().count() == 1
                && !err.contains("\tat ")
                && err.matches("(?s)p9gate (audit|keys)( [a-z-]+)?: error: .*");
    }
}
