package io.p9gate.policy.lint;

import io.p9gate.policy.model.SourcePos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds hand-written Cedar permits with no scope and no condition: {@code permit (principal, action, resource);}
 * (or {@code when { true }}). Hand-written policies are evaluated with the YAML's, so such a permit allows every
 * operation of every VM on every path, writes in {@code access: none} and read-only shares included: only a forbid
 * or a hidden subtree still refuses anything. Works on the text (statements split outside strings and comments),
 * so it needs no Cedar engine and points at the {@code permit} keyword.
 */
final class UnconditionalPermits {
    private static final Pattern ANNOTATIONS = Pattern.compile("^(\\s*@\\w+\\s*\\(\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*\\))*\\s*");
    private static final Pattern OPEN = Pattern.compile(
            "permit\\s*\\(\\s*principal\\s*,\\s*action\\s*,\\s*resource\\s*\\)\\s*(when\\s*\\{\\s*true\\s*\\}\\s*)?");

    private UnconditionalPermits() {
    }

    static List<Finding> in(Path file, String text) {
        List<Finding> out = new ArrayList<>();
        for (Statement s : statements(text)) {
            Matcher a = ANNOTATIONS.matcher(s.text);
            a.lookingAt();
            String rest = s.text.substring(a.end());
            if (OPEN.matcher(rest).matches()) {
                Matcher id = Pattern.compile("@id\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(s.text);
                String name = id.find() ? "'" + id.group(1) + "'" : "without @id";
                int[] at = s.lineAndColumn(a.end() + leadingSpace(rest));
                out.add(new Finding(new SourcePos(file, at[0], at[1]), "unconditional permit " + name
                        + ": it allows every operation of every VM on every path, writes to access: none and read-only"
                        + " shares included; give it a scope or a when condition"));
            }
        }
        return out;
    }

    private static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** One policy: its text without comments (replaced by spaces, so offsets stay) and where it starts. */
    private record Statement(String text, String source, int start) {
        int[] lineAndColumn(int offsetInStatement) {
            int line = 1;
            int column = 1;
            for (int i = 0; i < start + offsetInStatement; i++) {
                if (source.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            return new int[] {line, column};
        }
    }

    /** Splits at ';' outside strings; comments become spaces. */
    private static List<Statement> statements(String source) {
        List<Statement> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int start = 0;
        boolean inString = false;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (inString) {
                cur.append(c);
                if (c == '\\' && i + 1 < source.length()) {
                    cur.append(source.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '/') {
                while (i < source.length() && source.charAt(i) != '\n') {
                    cur.append(' ');
                    i++;
                }
                if (i < source.length()) {
                    cur.append('\n');
                }
            } else if (c == ';') {
                out.add(new Statement(cur.toString(), source, start));
                cur.setLength(0);
                start = i + 1;
            } else {
                inString = c == '"';
                cur.append(c);
            }
        }
        return out;
    }
}
