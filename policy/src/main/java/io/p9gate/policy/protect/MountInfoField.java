package io.p9gate.policy.protect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A path field of /proc/self/mountinfo, read by the policy's checks and by the gateway's look for mounts. */
public final class MountInfoField {
    private MountInfoField() {}

    /**
     * The table's lines, one per mount. Split at '\n' only: mountinfo escapes a newline in a path but writes a
     * carriage return as it is, and a guest may put one in a directory's name above a mount (a nested share's), which
     * a reader that also ends lines at '\r' cut in two, the mount lost to whoever needs all six fields.
     */
    public static List<String> table() throws IOException {
        String text = Files.readString(Path.of("/proc/self/mountinfo"));
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    /** The path as the kernel names it: mountinfo writes space, tab, newline and backslash as \ooo. */
    public static String unescaped(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field, i + 1, i + 4, 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String field, int at) {
        if (at + 3 > field.length()) {
            return false;
        }
        for (int i = at; i < at + 3; i++) {
            if (field.charAt(i) < '0' || field.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
