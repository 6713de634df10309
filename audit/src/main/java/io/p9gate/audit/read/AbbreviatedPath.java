package io.p9gate.audit.read;

import io.p9gate.audit.note.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a share path that would take more than {@link #MAX_BYTES} bytes of a record is stored in it ({@code path}, and {@code to=} in
 * {@code detail}): its first names, then a marker with its length and its SHA-256,
 * {@code /a/b//[abbreviated: 76801 bytes, sha256 9f86…]}. The gateway serves trees deeper than PATH_MAX (issue
 * 15), and a whole path in every record let a guest 300 levels down write 229 KB of log per 15-byte Tgetattr.
 *
 * <p>Stored paths are normalised ({@code StoredPaths}): none holds {@code //}, so a path holding it is
 * abbreviated, and a guest cannot make a path of its own read as one. The marker follows the last {@code //}.
 */
public record AbbreviatedPath(String prefix, long bytes, String sha256) {
    /** The longest path stored whole, in the bytes it takes in a record ({@link #recordBytes}): PATH_MAX less its NUL. */
    public static final int MAX_BYTES = 4095;
    /** At most this many record bytes of whole names are kept in front of the marker. */
    public static final int PREFIX_BYTES = 1024;
    /** What one character can take at most in a record: {@code \\uXXXX}. */
    private static final int MAX_CHAR_BYTES = 6;

    private static final String SEPARATOR = "//";
    /**
     * N has at least 3 digits: a path is abbreviated past {@link #MAX_BYTES} record bytes, and a UTF-8 byte takes at
     * most {@link #MAX_CHAR_BYTES} of them (a control character), so N >= 4,096 / 6, i.e. 683. It was 4 digits when
     * the bound was in UTF-8 bytes, and the marker of a path of control characters did not read back.
     */
    private static final Pattern MARKER =
            Pattern.compile("\\[abbreviated: ([1-9][0-9]{2,17}) bytes, sha256 ([0-9a-f]{64})]");

    /**
     * {@code path} (normalised) as a record stores it: unchanged when it takes at most {@link #MAX_BYTES} bytes in a
     * record ({@link #recordBytes}), else its longest prefix of whole names within {@link #PREFIX_BYTES} record
     * bytes ({@code /} at least) and the marker.
     */
    public static String stored(String path) {
        if (path.length() <= MAX_BYTES / MAX_CHAR_BYTES) {
            return path; // the usual path: no byte counting, no copy
        }
        if (recordBytes(path) <= MAX_BYTES) {
            return path;
        }
        byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
        return prefixOf(path) + SEPARATOR + "[abbreviated: " + utf8.length + " bytes, sha256 "
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

    /**
     * Whether a path stored as {@code stored} is {@code path}: the same text (as well when an older log kept whole a
     * path that counted under the bound in UTF-8 bytes), or its abbreviation.
     */
    public static boolean names(String stored, String path) {
        return stored != null && (stored.equals(path) || stored.equals(stored(path)));
    }

    /** The whole names that fit in {@link #PREFIX_BYTES} record bytes, "/" when not even the first does. */
    private static String prefixOf(String path) {
        int end = 0;
        int bytes = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/' && i > 0) {
                end = i; // a surrogate pair is never cut: '/' is not part of one
            }
            bytes += charBytes(c);
            if (bytes > PREFIX_BYTES) {
                break;
            }
        }
        return end == 0 ? "/" : path.substring(0, end);
    }

    /**
     * The bytes {@code text} can take in a record, whether it is the
     * {@code path} field or a {@code to=} word of {@code detail}: the record is pure ASCII, so a character outside
     * printable ASCII is a 6-byte {@code \\uXXXX} (per UTF-16 unit: an emoji is 12); {@code "} and {@code \\} are
     * two; {@code %}, space and {@code =} are three in a detail word ({@code %25}). Counting UTF-8 bytes instead let
     * a path of control-character names take 24 KB of a record below the bound.
     */
    public static int recordBytes(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            bytes += charBytes(text.charAt(i));
        }
        return bytes;
    }

    private static int charBytes(char c) {
        if (c < 0x20 || c >= 0x7f) {
            return MAX_CHAR_BYTES;
        }
        return switch (c) {
            case '"', '\\' -> 2;
            case '%', ' ', '=' -> 3;
            default -> 1;
        };
    }
}
