package io.p9gate.policy.cli.fmt;

/** What formatting one file gives: its canonical text, or why the file is left as it is. */
public sealed interface Formatting {

    /** The canonical text (equal to the input when the file was already formatted). */
    record Formatted(String text) implements Formatting {}

    /**
     * The file cannot be formatted safely and must stay untouched; {@code reason} is one line, {@code line} and
     * {@code column} say where (0 when it is about the whole file).
     */
    record Refused(int line, int column, String reason) implements Formatting {
        Refused(String reason) {
            this(0, 0, reason);
        }
    }
}
