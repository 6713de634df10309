package io.p9gate.policy.cedar.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Cedar source into tokens with their offsets, skipping whitespace and {@code //} comments. cedar-java's
 * parser says what is wrong but not where; this lexer gives the places to look (error reporting) and lets lint
 * read policies' scopes without the Cedar engine. It never fails: what Cedar would not accept becomes an
 * {@link CedarToken.Kind#INVALID} or {@link CedarToken.Kind#UNTERMINATED_STRING} token.
 */
public final class CedarLexer {

    private static final List<String> TWO_CHAR = List.of("::", "==", "!=", "<=", ">=", "&&", "||");
    private static final String ONE_CHAR = "(){}[],;.@<>!+-*%?";

    private CedarLexer() {}

    public static List<CedarToken> tokens(String src) {
        List<CedarToken> out = new ArrayList<>();
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (src.startsWith("//", i)) {
                while (i < n && src.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int end = stringEnd(src, i);
                CedarToken.Kind kind = end < 0 ? CedarToken.Kind.UNTERMINATED_STRING : CedarToken.Kind.STRING;
                int stop = end < 0 ? n : end;
                out.add(new CedarToken(kind, src.substring(i, stop), i, stop));
                i = stop;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
                    j++;
                }
                out.add(new CedarToken(CedarToken.Kind.IDENTIFIER, src.substring(i, j), i, j));
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < n && Character.isDigit(src.charAt(j))) {
                    j++;
                }
                out.add(new CedarToken(CedarToken.Kind.NUMBER, src.substring(i, j), i, j));
                i = j;
            } else {
                int len = i + 1 < n && TWO_CHAR.contains(src.substring(i, i + 2)) ? 2 : 1;
                CedarToken.Kind kind =
                        len == 2 || ONE_CHAR.indexOf(c) >= 0 ? CedarToken.Kind.PUNCTUATION : CedarToken.Kind.INVALID;
                out.add(new CedarToken(kind, src.substring(i, i + len), i, i + len));
                i += len;
            }
        }
        return out;
    }

    /** The {@code //} comments of the text, in order, each without its trailing white space. */
    public static List<String> comments(String src) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (CedarToken t : tokens(src)) {
            collectComments(src, from, t.start(), out);
            from = t.end();
        }
        collectComments(src, from, src.length(), out);
        return out;
    }

    /** Comments between two tokens: only white space and comments stand there. */
    private static void collectComments(String src, int from, int to, List<String> out) {
        int i = src.indexOf("//", from);
        while (i >= 0 && i < to) {
            int end = src.indexOf('\n', i);
            end = end < 0 || end > to ? to : end;
            out.add(src.substring(i, end).stripTrailing());
            i = src.indexOf("//", end);
        }
    }

    /** The offset just past the closing quote of the string opening at {@code open}, or -1 if it never closes. */
    private static int stringEnd(String src, int open) {
        for (int i = open + 1; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i + 1;
            }
        }
        return -1;
    }
}
