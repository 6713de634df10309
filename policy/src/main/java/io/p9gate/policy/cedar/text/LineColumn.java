package io.p9gate.policy.cedar.text;

/** A 1-based line and column in a source text, as editors and compilers print them. */
public record LineColumn(int line, int column) {

    /** Where {@code offset} (clamped to the text) falls in {@code text}. */
    public static LineColumn of(String text, int offset) {
        int end = Math.max(0, Math.min(offset, text.length()));
        int line = 1;
        int column = 1;
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new LineColumn(line, column);
    }
}
