package io.p9gate.audit.read;

/**
 * Text made safe for an HTML page, as element text or as a quoted attribute value: the markup characters become
 * entities, so that {@code <script>} in a guest's path is shown, never run. Used by every page p9gate writes (the
 * audit report, the compliance report).
 */
public final class HtmlText {
    private HtmlText() {}

    /**
     * Text from a log: its controls, bidi overrides and zero-width characters escaped as in the terminal
     * ({@link PrintableText}), so that the page shows what the log holds, then {@link #escape}d.
     */
    public static String ofLog(String text) {
        return escape(PrintableText.escape(text));
    }

    /** {@code text} with {@code & < > " '} as entities, for element content and quoted attributes; null is empty. */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
