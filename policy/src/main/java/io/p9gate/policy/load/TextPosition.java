package io.p9gate.policy.load;

/**
 * Line and column (both from 1, the column in characters) of a place in a text, as YAML counts them: a line ends at
 * LF, CR or CR LF.
 */
public record TextPosition(int line, int column) {
    /** The position of {@code text}'s character at {@code index}. */
    public static TextPosition of(CharSequence text, int index) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < index; i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
                line++;
                column = 1;
            } else if (c != '\r' && !Character.isLowSurrogate(c)) {
                column++;
            }
        }
        return new TextPosition(line, column);
    }
}
