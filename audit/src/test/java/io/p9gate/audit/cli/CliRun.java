package io.p9gate.audit.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
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

    /** Bad input must give one line, in the common style ({@code p9gate audit verify: error: ...}), and no stack trace. */
    boolean oneLineError() {
        return err.strip().lines().count() == 1
                && !err.contains("\tat ")
                && err.matches("(?s)p9gate (audit|keys)( [a-z-]+)?: error: .*");
    }
}
