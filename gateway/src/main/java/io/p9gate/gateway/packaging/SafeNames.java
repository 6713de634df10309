package io.p9gate.gateway.packaging;

import java.util.regex.Pattern;

/**
 * Names and paths that end up in the tarball's name, the launcher (a shell script), the manifest (space
 * separated) and the unit file (where {@code %} is a specifier and whitespace separates paths): only characters
 * that mean nothing in any of them are accepted.
 */
final class SafeNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]*");
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9._+~-]+");
    private static final Pattern ABSOLUTE_PATH = Pattern.compile("(/[A-Za-z0-9._+~-]+)+");

    private SafeNames() {}

    static String requireSafe(String what, String name) throws PackagingException {
        if (!NAME.matcher(name).matches()) {
            throw new PackagingException(what + " '" + name + "' may only use letters, digits and . _ + ~ -");
        }
        return name;
    }

    /** A version suffix may start with its separator ({@code +ecu3}, {@code -rc1}). */
    static String requireSafeSuffix(String suffix) throws PackagingException {
        if (!SUFFIX.matcher(suffix).matches()) {
            throw new PackagingException("version suffix '" + suffix + "' may only use letters, digits and . _ + ~ -");
        }
        return suffix;
    }

    static String requireSafePath(String what, String path) throws PackagingException {
        if (!ABSOLUTE_PATH.matcher(path).matches()
                || path.contains("/./")
                || path.contains("/../")
                || path.endsWith("/.")
                || path.endsWith("/..")) {
            throw new PackagingException(what + " '" + path + "' must be a normalised absolute path of letters, "
                    + "digits and . _ + ~ - (it goes into the systemd unit)");
        }
        return path;
    }
}
