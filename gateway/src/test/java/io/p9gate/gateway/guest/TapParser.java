package io.p9gate.gateway.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the lines guest scripts print: {@code ok N - name},
 * {@code ok N - name # SKIP reason} and {@code not ok N - name: details}.
 * Other lines (diagnostics, kernel notes, harness lines) are ignored.
 */
public final class TapParser {
    private static final Pattern LINE = Pattern.compile("^(not ok|ok) (\\d+) - (.*)$");
    private static final Pattern SKIP = Pattern.compile("^(.*?) # SKIP ?(.*)$");

    private TapParser() {}

    public static List<TapCheck> parse(String output) {
        List<TapCheck> checks = new ArrayList<>();
        for (String raw : output.split("\n")) {
            Matcher m = LINE.matcher(raw.strip());
            if (m.matches()) {
                checks.add(toCheck(m.group(1).equals("ok"), Integer.parseInt(m.group(2)), m.group(3)));
            }
        }
        return List.copyOf(checks);
    }

    private static TapCheck toCheck(boolean ok, int number, String rest) {
        if (ok) {
            Matcher skip = SKIP.matcher(rest);
            return skip.matches()
                    ? new TapCheck(number, skip.group(1), TapCheck.Status.SKIPPED, skip.group(2))
                    : new TapCheck(number, rest, TapCheck.Status.PASSED, "");
        }
        // posix.sh separates the details with ": "; names themselves contain no ": ".
        int colon = rest.indexOf(": ");
        return colon < 0
                ? new TapCheck(number, rest, TapCheck.Status.FAILED, "")
                : new TapCheck(
                        number,
                        rest.substring(0, colon),
                        TapCheck.Status.FAILED,
                        rest.substring(colon + 2).strip());
    }
}
