package io.p9gate.policy.cedar.text;

/** One token of Cedar source: its kind, its text and where it stands ({@code start} inclusive, {@code end} exclusive). */
public record CedarToken(Kind kind, String text, int start, int end) {

    public enum Kind {
        IDENTIFIER,
        NUMBER,
        STRING,
        PUNCTUATION,
        /** A string without its closing quote (it runs to the end of the text). */
        UNTERMINATED_STRING,
        /** A character no Cedar token starts with. */
        INVALID
    }

    public boolean is(String punctuation) {
        return kind == Kind.PUNCTUATION && text.equals(punctuation);
    }
}
