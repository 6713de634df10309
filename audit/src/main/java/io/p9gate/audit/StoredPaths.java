package io.p9gate.audit;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Share-relative paths as they are stored: always absolute from the share root, single slashes, no {@code .}
 * components, {@code ..} resolved lexically. A {@code ..} that climbs above the root is kept (as a leading
 * {@code /..}) because an attempted escape is exactly what a reviewer wants to see.
 */
public final class StoredPaths {
    private StoredPaths() {}

    public static String normalise(String path) {
        Deque<String> parts = new ArrayDeque<>();
        int escapes = 0;
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    escapes++;
                } else {
                    parts.removeLast();
                }
                continue;
            }
            parts.addLast(part);
        }
        StringBuilder out = new StringBuilder();
        out.append("/..".repeat(escapes));
        for (String part : parts) {
            out.append('/').append(part);
        }
        return out.isEmpty() ? "/" : out.toString();
    }
}
