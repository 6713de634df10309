package io.p9gate.gateway.fs;

import io.p9gate.audit.BoundedWord;
import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.gateway.backend.Names;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one rule for the names a guest sends, checked before a request is decided so that the policy only ever sees
 * paths made of real entry names (R-CONF-1): an entry name (create, mkdir, symlink, mknod, link, rename, unlink) is
 * never "", ".", "..", never holds '/' or NUL, fits NAME_MAX and is not one the gateway keeps for an entry it is
 * making ({@link Names#reserved}); a walk element may also be "." or "..", which the walk resolves itself without
 * leaving the share.
 */
final class GuestNames {
    private GuestNames() {}

    /** @throws P9Exception EINVAL (or ENAMETOOLONG) for a name no directory entry can have */
    static void checkEntry(String name) throws P9Exception {
        Names.check(name);
    }

    /**
     * The most bytes a Tlock's client_id may have: POSIX's HOST_NAME_MAX. The Linux client sends the guest's host
     * name (at most 64 bytes); the id is kept with every range its owner holds in the gateway-wide lock table, whose
     * budget counts entries, not bytes, so an id of msize bytes let one VM pin gigabytes of heap (R-ROB-2).
     */
    static final int LOCK_CLIENT_MAX = 255;

    /** @throws P9Exception EINVAL for a Tlock/Tgetlock client_id longer than {@link #LOCK_CLIENT_MAX} bytes */
    static void checkLockClient(String clientId) throws P9Exception {
        if (clientId.length() > LOCK_CLIENT_MAX || clientId.getBytes(StandardCharsets.UTF_8).length > LOCK_CLIENT_MAX) {
            throw new P9Exception(Errno.EINVAL, "lock client_id longer than " + LOCK_CLIENT_MAX + " bytes");
        }
    }

    /**
     * The longest symlink target symlink(2) takes: PATH_MAX with its NUL. A 9P string may be 65,535 bytes, and the
     * target went into the request's audit records as sent (each control byte 6 bytes there): a target no host
     * takes wrote about 12 times its size of log (adversarial.OversizedArgumentRecordAttackTest).
     */
    static final int SYMLINK_TARGET_MAX = 4095;

    /** @throws P9Exception ENAMETOOLONG for a target longer than {@link #SYMLINK_TARGET_MAX} bytes, as symlink(2) */
    static void checkSymlinkTarget(String target) throws P9Exception {
        if (!fits(target, SYMLINK_TARGET_MAX)) {
            throw new P9Exception(Errno.ENAMETOOLONG, "symlink target longer than " + SYMLINK_TARGET_MAX + " bytes");
        }
    }

    /** Whether {@code text} is at most {@code max} bytes in UTF-8 (the wire's encoding). */
    static boolean fits(String text, int max) {
        return text.length() <= max / 3 || (text.length() <= max && bytes(text) <= max);
    }

    static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Characters of an over-long name a refusal's record keeps, before its length. */
    private static final int SHOWN_PREFIX = 32;

    /**
     * A refused request's path (or share, or detail) as its record shows it: each "/"-separated part longer than
     * NAME_MAX bytes, which no entry can have, cut to its first characters and its length ({@code abc...%[60000-bytes]}).
     * A refusal is written one by one for up to 64 distinct requests per VM and second, and a name of
     * 65,535 control bytes made each record 390 KB (adversarial.OversizedArgumentRecordAttackTest).
     */
    static String shown(String text) {
        if (fits(text, Names.NAME_MAX)) {
            return text;
        }
        return Arrays.stream(text.split("/", -1))
                .map(part -> fits(part, Names.NAME_MAX)
                        ? part
                        : part.substring(0, part.offsetByCodePoints(0, SHOWN_PREFIX)) + cutMarker(bytes(part)))
                .collect(Collectors.joining("/"));
    }

    /**
     * Says text was cut after its first characters, and how long it was: {@code ...%[60000-bytes]}. One word, as
     * {@link BoundedWord}'s (a space made the rest a word a reader took for a field), and no guest's word reads as
     * it: a guest's {@code %} is written {@code %25}.
     */
    private static String cutMarker(int bytes) {
        return "...%[" + bytes + "-bytes]";
    }

    /** Record bytes a refusal's record keeps of a detail or share name that is still too long once shown. */
    private static final int SHOWN_TEXT_BYTES = 1024;

    /**
     * A refused request's detail (a walk's names joined by "/") or share name as its record shows it: as
     * {@link #shown}, and when that still takes more than {@link AbbreviatedPath#MAX_BYTES} bytes of the record
     * ({@link AbbreviatedPath#recordBytes}: parts of a few bytes between slashes, none too long for a name), its
     * first characters within 1,024 record bytes and its length in UTF-8 bytes ({@code abc...%[60000-bytes]}). A
     * Twalk of one 60,000-byte name of U+0001 and "/" wrote a 214 KB record, and a share name of 4,094 such bytes
     * 14 KB, up to 64 distinct ones per VM and second (adversarial.OversizedArgumentRecordAttackTest). Paths are
     * bounded where records are written.
     */
    static String shownText(String text) {
        String shown = shown(text);
        if (AbbreviatedPath.recordBytes(shown) <= AbbreviatedPath.MAX_BYTES) {
            return shown;
        }
        return BoundedWord.prefixWithin(shown, SHOWN_TEXT_BYTES) + cutMarker(bytes(text));
    }

    /**
     * A Tsymlink's target as its record's detail shows it ({@link BoundedWord}): symlink(2) takes 4,095 bytes, and a
     * target of U+0001 took 24.6 KB of an allowed request's record (adversarial.SymlinkTargetRecordAttackTest).
     */
    static String shownTarget(String target) {
        return "target=" + BoundedWord.of(target);
    }

    /**
     * A walk's names as its record's detail shows them: each a {@link DetailWords#word}, joined by "/", and when
     * they take more than {@link AbbreviatedPath#MAX_BYTES} bytes of the record ({@link AbbreviatedPath#recordBytes}),
     * the first whole names within {@link AbbreviatedPath#PREFIX_BYTES} of them and how many names and UTF-8 bytes
     * there were ({@code a/b/...%[16-names-4095-bytes]}, one word; a guest's {@code %} is written {@code %25}, so none reads as this). 16
     * valid names of 255 control characters took 24,480 bytes of an allowed walk's record (each {@code \u0001}).
     * The path, which holds these names, is abbreviated as well, so a reader sees the walk's record is not whole.
     */
    static String shownWalk(List<String> names) {
        int bytes = names.size() - 1; // the slashes
        for (String name : names) {
            bytes += AbbreviatedPath.recordBytes(name);
        }
        if (bytes <= AbbreviatedPath.MAX_BYTES) {
            // Most walks are a clone or of one name (a lookup): no stream and joiner for those (issue 11).
            if (names.size() <= 1) {
                return names.isEmpty() ? "" : DetailWords.word(names.getFirst());
            }
            return names.stream().map(DetailWords::word).collect(Collectors.joining("/"));
        }
        StringBuilder shown = new StringBuilder(AbbreviatedPath.PREFIX_BYTES + 32);
        int kept = 0;
        for (String name : names) {
            kept += AbbreviatedPath.recordBytes(name) + 1;
            if (kept > AbbreviatedPath.PREFIX_BYTES) {
                break;
            }
            shown.append(DetailWords.word(name)).append('/');
        }
        return shown.append("...%[")
                .append(names.size())
                .append("-names-")
                .append(bytes(String.join("/", names)))
                .append("-bytes]")
                .toString();
    }

    /** @throws P9Exception as {@link #checkEntry}, except that "." and ".." are walk elements */
    static void checkWalkElement(String name) throws P9Exception {
        if (!name.equals(".") && !name.equals("..")) {
            Names.check(name);
        }
    }
}
