package io.p9gate.policy.load;

import java.nio.file.Path;

/**
 * The hint after a refused policy path: how to write it. Policy paths are share-relative and already normal, because
 * the gateway resolves every walk itself (confinement): a '..' in a policy could never match what it seems to.
 */
final class PathHint {
    private PathHint() {}

    /** {@code " (hint: ...)"} for a path with '.', '..', '//' or a trailing '/', else empty. */
    static String of(String text) {
        if (!text.startsWith("/")) {
            return " (hint: paths start at the share root, '/'; write /" + text + ")";
        }
        boolean dots = ("/" + text + "/").contains("/../") || ("/" + text + "/").contains("/./");
        if (!dots && !text.contains("//") && !(text.length() > 1 && text.endsWith("/"))) {
            return "";
        }
        String normal = Path.of(text).normalize().toString();
        return " (hint: '..' and '.' are not allowed: paths are share-relative and never leave the share root; "
                + "write " + normal + ")";
    }
}
