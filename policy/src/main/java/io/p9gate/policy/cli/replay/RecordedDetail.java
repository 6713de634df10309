package io.p9gate.policy.cli.replay;

import io.p9gate.audit.DetailWords;
import io.p9gate.policy.terms.AskedKinds;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code detail} of a decision record, read back (docs/audit-format.md, "What the gateway writes"):
 * {@code action=A share=S [to=PATH] [ARGS] [phase=intent|phase=outcome intent=N] [repeat_of=N|paths=varied]}, or of
 * a summary of refusals that asked differently, only the words they all began with then
 * {@code details=varied paths=varied}.
 * Only the two leading words and the suffixes the writer appends are split off; the rest is kept whole. Guest-chosen
 * text in it ({@code to=}'s path, the names a walk went through) is written as a {@link DetailWords#word}, so it
 * holds no space or {@code =} and cannot pose as one of those suffixes (logs written before that can).
 *
 * @param action what the policy was asked ({@code walk}, {@code open}, ...), the gateway's operation
 * @param share  the attach name the record's paths are relative to (share names never hold spaces)
 * @param rest   the request's own detail: {@code to=PATH} of a rename or link, open flags, walked names, ...
 * @param phase  {@code intent}, {@code outcome} or empty for a request recorded once
 * @param varied whether this is a summary of refusals at several paths ({@code paths=varied}): its path is only
 *               their common directory
 */
record RecordedDetail(String action, String share, String rest, String phase, boolean varied) {
    /** The share is left out only by a summary of refusals whose details varied (their shares differed too). */
    private static final Pattern HEAD =
            Pattern.compile("action=([a-z_]+)(?: share=([^ ]*))?(?: (.*))?", Pattern.DOTALL);

    private static final Pattern SUMMARY =
            Pattern.compile("(?:(.*) )?(?:repeat_of=[0-9]+|(paths=varied))", Pattern.DOTALL);
    private static final Pattern PHASE =
            Pattern.compile("(?:(.*) )?phase=(intent|outcome)(?: intent=[0-9]+)?", Pattern.DOTALL);

    static final String INTENT = "intent";
    static final String OUTCOME = "outcome";

    /** Empty when the detail does not start with {@code action=... share=...} (not written by this gateway). */
    static Optional<RecordedDetail> parse(String detail) {
        if (detail == null) {
            return Optional.empty();
        }
        Matcher head = HEAD.matcher(detail);
        if (!head.matches()) {
            return Optional.empty();
        }
        String rest = head.group(3) == null ? "" : head.group(3);
        boolean varied = false;
        Matcher summary = SUMMARY.matcher(rest);
        if (summary.matches()) {
            varied = summary.group(2) != null;
            rest = summary.group(1) == null ? "" : summary.group(1);
        }
        String phase = "";
        Matcher when = PHASE.matcher(rest);
        if (when.matches()) {
            phase = when.group(2);
            rest = when.group(1) == null ? "" : when.group(1);
        }
        String share = head.group(2) == null ? "" : head.group(2);
        if (head.group(2) == null && !varied) {
            return Optional.empty(); // every other record names its share
        }
        return Optional.of(new RecordedDetail(head.group(1), share, rest, phase, varied));
    }

    /**
     * The destination of a rename or link ({@code to=PATH}: the whole rest, but for the word {@code dir} that follows a
     * directory's rename).
     */
    Optional<String> destination() {
        if (!rest.startsWith("to=")) {
            return Optional.empty();
        }
        String to = rest.substring(3);
        return Optional.of(DetailWords.text(movesDirectory() ? to.substring(0, to.length() - DIR.length()) : to));
    }

    /** What follows the destination of a rename whose source is a directory. */
    private static final String DIR = " dir";

    /**
     * Whether a rename moved a directory ({@code to=PATH dir}; a record written before the gateway said so has no
     * {@code dir} and is re-decided as the rename of a file, as it was decided). The path is one word, holding no
     * space, except in a log older than {@link DetailWords}, where a raw destination ending in " dir" reads as a
     * directory's rename: the stricter question.
     */
    boolean movesDirectory() {
        return action.equals("rename") && rest.startsWith("to=") && rest.endsWith(DIR);
    }

    /**
     * What the detail says that chooses the request's policy kinds ({@link AskedKinds}): an open's or create's flags
     * (and {@code excl}), that a read or write moved an xattr's value, that a setattr resized or that a lock was a write
     * lock ({@code type=1}; in a log older than that question, {@code opened=read}: through a fid not open for writing). An open or create whose flags are not
     * written gives none, and the table says it cannot tell its kind.
     */
    AskedKinds.Facts facts() {
        Optional<Integer> flags = openFlags();
        if (flags.isPresent() && (action.equals("open") || action.equals("create") || action.equals("fsync"))) {
            return new AskedKinds.Facts.Opening(flags.get(), exclusive());
        }
        if (action.equals("setattr") && resizes()) {
            return new AskedKinds.Facts.Resizing();
        }
        if (action.equals("lock") && writeLock()) {
            return new AskedKinds.Facts.WriteLock();
        }
        return movesXattr() ? new AskedKinds.Facts.XattrValue() : AskedKinds.Facts.NONE;
    }

    /**
     * Whether a Tlock's detail is a write lock's, which asks OPEN_WRITE too: {@code type=1} (P9_LOCK_TYPE_WRLCK;
     * a reload's release of a write lock is recorded as one, {@code released=reload} after it), or
     * {@code opened=read}, which a write lock through a fid not open for writing adds (before every write lock
     * asked OPEN_WRITE, only those did, and a release of one was recorded as an unlock, {@code type=2}).
     */
    private boolean writeLock() {
        List<String> words = List.of(rest.split(" "));
        return words.contains(WRITE_LOCK_TYPE) || words.contains(OPENED_FOR_READING);
    }

    private static final String WRITE_LOCK_TYPE = "type=1";
    private static final String OPENED_FOR_READING = "opened=read";

    /** Tsetattr's valid mask bit of a size change (P9_SETATTR_SIZE). */
    private static final int SETATTR_SIZE = 0x8;

    private static final Pattern VALID = Pattern.compile("valid=0x([0-9a-f]{1,8})(?= |$)");

    /**
     * Whether a setattr set the size ({@code valid=0x...} with P9_SETATTR_SIZE). A setattr recorded without its mask
     * is asked as one that does, the stricter question.
     */
    private boolean resizes() {
        Matcher m = VALID.matcher(rest);
        return !m.lookingAt() || (Integer.parseUnsignedInt(m.group(1), 16) & SETATTR_SIZE) != 0;
    }

    /** The host open flags ({@code flags=0x...}) an open or create was asked with. */
    private Optional<Integer> openFlags() {
        Matcher m = FLAGS.matcher(rest);
        return m.lookingAt() ? Optional.of(Integer.parseUnsignedInt(m.group(1), 16)) : Optional.empty();
    }

    private static final Pattern FLAGS = Pattern.compile("flags=0x([0-9a-f]{1,8})(?= |$)");

    /** Whether a create was exclusive (O_EXCL: the word {@code excl}, written since replay exists). */
    private boolean exclusive() {
        return rest.matches("flags=0x[0-9a-f]+ mode=[0-7]+ excl");
    }

    /** Whether a read or write moved an extended attribute's value ({@code xattr NAME}), not file data. */
    private boolean movesXattr() {
        return rest.startsWith("xattr ");
    }
}
