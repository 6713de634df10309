package io.p9gate.gateway.tools;

import io.p9gate.gateway.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code p9gate ...} command line run in this JVM, as the launcher runs it: exit code and what it printed. */
record ToolRun(int exit, String out, String err) {
    static ToolRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new ToolRun(exit, out.toString(), err.toString());
    }

    /** Exactly one line on stderr, in the style every command uses, and no stack trace. */
    boolean oneErrorLine(String command) {
        return err.lines().count() == 1 && err.startsWith(command + ": error: ") && !err.contains("\tat ");
    }
}
