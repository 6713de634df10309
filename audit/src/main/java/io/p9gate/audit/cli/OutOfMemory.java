package io.p9gate.audit.cli;

import picocli.CommandLine.Model.CommandSpec;

/**
 * How a tool that ran out of heap ends: one line on stderr and its own exit status, {@value #EXIT}. The launchers
 * ran every command with {@code -XX:+ExitOnOutOfMemoryError}, which exits with status 3: for {@code audit verify}
 * that is {@code MODIFIED}, so a script read a verifier that crashed as a tampered log. The tools now run without
 * it (the servers keep it, docs/cli.md "Conventions") and the error reaches here.
 */
public final class OutOfMemory {
    /** Exit status of a tool that ran out of memory: none of verify's findings, nor any other command's status. */
    public static final int EXIT = 70;

    private OutOfMemory() {}

    /** The one line for {@code command}; said once the stack that filled the heap is gone. */
    static int report(CommandSpec command, OutOfMemoryError e) {
        CliMessages.printError(command, message(e));
        return EXIT;
    }

    private static String message(OutOfMemoryError e) {
        return "out of memory (" + (e.getMessage() == null ? "Java heap" : e.getMessage())
                + "): the command did not finish and decided nothing; run it again with a larger heap, e.g."
                + " JAVA_TOOL_OPTIONS=-Xmx2g";
    }

    /**
     * Ends the process the same way when another thread of the command runs out of memory (the main thread's error
     * is caught where the command runs); other uncaught errors are printed as the JVM would.
     */
    static void onOtherThreads(String command) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError oom) {
                System.err.println(command + ": error: " + message(oom));
                Runtime.getRuntime().halt(EXIT);
            }
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace();
        });
    }
}
