package io.p9gate.audit.read;

import io.p9gate.audit.note.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a share path longer than {@link #MAX_BYTES} is stored in a record ({@code path}, and {@code to=} in
 * {@code detail}): its first names, then a marker with its length and its SHA-256,
 * {@code /a/b//[abbreviated: 76801 bytes, sha256 9f86…]}. The gateway serves trees deeper than PATH_MAX (issue
 * 15), and a whole path in every record let a guest 300 levels down write 229 KB of log per 15-byte Tgetattr.
 *
 * <p>Stored paths are normalised ({@code StoredPaths}): none holds {@code //}, so a path holding it is
 * abbreviated, and a guest cannot make a path of its own read as one. The marker follows the last {@code //}.
 */
public record AbbreviatedPath(String prefix, long bytes, String sha256) {
    /** The longest path stored whole: PATH_MAX less its NUL, in UTF-8 bytes. */
    public static final int MAX_BYTES = 4095;
    /** At most this many UTF-8 bytes of whole names are kept in front of the marker. */
    public static final int PREFIX_BYTES = 1024;

    private static final String SEPARATOR = "//";
    private static final Pattern MARKER =
            Pattern.compile("\\[abbreviated: ([1-9][0-9]{3,17}) bytes, sha256 ([0-9a-f]{64})]");

    /**
     * {@code path} (normalised) as a record stores it: unchanged up to {@link #MAX_BYTES} bytes, else its longest
     * prefix of whole names within {@link #PREFIX_BYTES} bytes ({@code /} at least) and the marker.
     */
    public static String stored(String path) {
        if (path.length() <= MAX_BYTES / 3) {
            return path; // the usual path: no byte counting, no copy
        }
        byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_BYTES) {
            return path;
        }
        return prefixOf(utf8) + SEPARATOR + "[abbreviated: " + utf8.length + " bytes, sha256 "
                + HexFormat.of().formatHex(Sha256.newDigest().digest(utf8)) + "]";
    }

    /** The stored path read back, if it is abbreviated (a path holding {@code //} without a marker is not). */
    public static Optional<AbbreviatedPath> of(String stored) {
        int at = stored == null ? -1 : stored.lastIndexOf(SEPARATOR);
        if (at < 0) {
            return Optional.empty();
        }
        Matcher m = MARKER.matcher(stored).region(at + SEPARATOR.length(), stored.length());
        if (!m.matches()) {
            return Optional.empty();
        }
        String prefix = at == 0 ? "/" : stored.substring(0, at);
        return Optional.of(new AbbreviatedPath(prefix, Long.parseLong(m.group(1)), m.group(2)));
    }

    /** Whether a path stored as {@code stored} is {@code path}: the same text, or its abbreviation. */
    public static boolean names(String stored, String path) {
        return stored != null && stored.equals(stored(path));
    }

    /** The whole names that fit in {@link #PREFIX_BYTES} bytes, "/" when not even the first does. */
    private static String prefixOf(byte[] utf8) {
        int end = 0;
        for (int i = 1; i < utf8.length && i <= PREFIX_BYTES; i++) {
            if (utf8[i] == '/') {
                end = i;
            }
        }
        return end == 0 ? "/" : new String(utf8, 0, end, StandardCharsets.UTF_8);
    }
}
