package io.p9gate.audit.read;

import java.util.Locale;

/**
 * Text from a record or a note made safe for a terminal, a table row or a syslog line (R-AUD-5). Names come from
 * guests, and a doctored log can hold anything: a newline would forge a table row or split a syslog message, an
 * ANSI or C1 sequence would drive the reviewer's terminal, a bidi override would reorder what is shown.
 *
 * <p>Escapes, each in one way so that the escaped form is unambiguous: {@code \} as {@code \\}; newline, carriage
 * return and tab as {@code \n}, {@code \r}, {@code \t}; every other C0 control, DEL and every C1 control as
 * <code>&#92;xHH</code>; unpaired surrogates, line and paragraph separators and format characters (bidi
 * controls, zero-width characters) as <code>&#92;uHHHH</code> (<code>&#92;UHHHHHHHH</code> beyond the BMP).
 * Everything else, non-ASCII letters included, is kept.
 */
public final class PrintableText {
    private PrintableText() {}

    /** {@code text} escaped as described above; null stays null. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int first = firstToEscape(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); ) {
            int cp = text.codePointAt(i);
            appendEscaped(out, cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /**
     * A tool's output of several lines, each {@link #escape}d and ended by its newline again: the lines a command
     * prints quote files (a policy, a test file) whose text may hold anything.
     */
    public static String escapeLines(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            out.append(escape(text.substring(start, nl))).append('\n');
            start = nl + 1;
        }
        return out.append(escape(text.substring(start))).toString();
    }

    private static int firstToEscape(String text) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == '\\' || unprintable(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    private static boolean unprintable(int cp) {
        if (cp >= 0x20 && cp < 0x7f) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL,
                    Character.FORMAT,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    private static void appendEscaped(StringBuilder out, int cp) {
        switch (cp) {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (!unprintable(cp)) {
                    out.appendCodePoint(cp);
                } else if (cp <= 0xff) {
                    out.append(String.format(Locale.ROOT, "\\x%02x", cp));
                } else if (cp <= 0xffff) {
                    out.append(String.format(Locale.ROOT, "\\u%04x", cp));
                } else {
                    out.append(String.format(Locale.ROOT, "\\U%08x", cp));
                }
            }
        }
    }
}
