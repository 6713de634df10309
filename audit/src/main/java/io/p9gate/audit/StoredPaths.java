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
        // Most paths are already normal (the gateway's share-relative paths): no splitting, no copy or one concat.
        if (path.isEmpty()) {
            return "/"; // the share root, as the gateway names it
        }
        if (path.startsWith("/") ? path.length() == 1 || onlyNames(path, 1) : !path.isEmpty() && onlyNames(path, 0)) {
            return path.startsWith("/") ? path : "/" + path;
        }
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

    /** Whether every component of {@code path} from {@code start} on is a name: not empty, not "." or "..". */
    private static boolean onlyNames(String path, int start) {
        int from = start;
        while (true) {
            int slash = path.indexOf('/', from);
            int end = slash < 0 ? path.length() : slash;
            if (end == from
                    || path.charAt(from) == '.'
                            && (end - from == 1 || end - from == 2 && path.charAt(from + 1) == '.')) {
                return false;
            }
            if (slash < 0) {
                return true;
            }
            from = slash + 1;
        }
    }
}
