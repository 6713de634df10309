package io.p9gate.policy.cedar;

/** Cedar source-text helpers: string literals and {@code like} patterns built from policy values. */
final class CedarText {

    private CedarText() {}

    /** A Cedar string literal for {@code s}. */
    static String quote(String s) {
        return "\"" + escape(s) + "\"";
    }

    /** A {@code like} pattern literal where '*' stays a wildcard and everything else is literal. */
    static String likePattern(String glob) {
        return "\"" + escape(glob) + "\"";
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '*' -> b.append("*"); // a wildcard in like patterns, plain in string literals
                default -> {
                    if (c < 0x20 || c == 0x7f)
                        b.append("\\u{").append(Integer.toHexString(c)).append('}');
                    else b.appendCodePoint(c);
                }
            }
        });
        return b.toString();
    }
}
