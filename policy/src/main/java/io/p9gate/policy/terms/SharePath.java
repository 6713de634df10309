package io.p9gate.policy.terms;

import java.util.List;

/**
 * A share-relative, normalised path: "/" is the share root, components are separated by single '/',
 * and there is no "." or "..". The gateway resolves walks itself (confinement, R-CONF-1); the policy
 * only ever sees the normalised result, so anything else is a caller bug and is refused here.
 */
public record SharePath(String text, List<String> segments) {

    public static final SharePath ROOT = new SharePath("/", List.of());

    public SharePath {
        segments = List.copyOf(segments);
    }

    /** @throws IllegalArgumentException if the text is not a normalised absolute path */
    public static SharePath of(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + text);
        }
        if (text.equals("/")) return ROOT;
        if (text.endsWith("/")) throw new IllegalArgumentException("path must not end with '/': " + text);
        // Every request's path comes through here: the segments go straight into an immutable list (no ArrayList
        // copied again by the constructor; the usual one or two segments without an array).
        String[] segs = new String[segmentCount(text)];
        int start = 1;
        for (int i = 0; i < segs.length; i++) {
            int slash = text.indexOf('/', start);
            int end = slash < 0 ? text.length() : slash;
            String seg = text.substring(start, end);
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("path is not normalised: " + text);
            }
            segs[i] = seg;
            start = end + 1;
        }
        return new SharePath(
                text,
                switch (segs.length) {
                    case 1 -> List.of(segs[0]);
                    case 2 -> List.of(segs[0], segs[1]);
                    default -> List.of(segs);
                });
    }

    private static int segmentCount(String text) {
        int count = 1;
        for (int i = text.indexOf('/', 1); i >= 0; i = text.indexOf('/', i + 1)) {
            count++;
        }
        return count;
    }

    public int depth() {
        return segments.size();
    }

    /** The path of the first {@code n} segments ("/" for 0). */
    public SharePath prefix(int n) {
        if (n == depth()) return this;
        if (n == 0) return ROOT;
        return new SharePath("/" + String.join("/", segments.subList(0, n)), segments.subList(0, n));
    }

    /** Whether {@code this} equals {@code top} or lies below it. */
    public boolean isWithin(SharePath top) {
        return depth() >= top.depth() && segments.subList(0, top.depth()).equals(top.segments);
    }

    public SharePath child(String name) {
        return of(this == ROOT || depth() == 0 ? "/" + name : text + "/" + name);
    }

    @Override
    public String toString() {
        return text;
    }
}
