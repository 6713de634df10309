package io.p9gate.audit;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Something at {@link SegmentWriter#PENDING} that is not the writer's successor segment: a file put there while the
 * writer has no retired segment (so no successor), or at the start anything but a regular file (a directory, FIFO,
 * device, link). Somebody who can write the audit directory put it there. It is renamed, as found, to a name of its
 * own beside the log (rename(2) opens nothing and follows no link), never read nor deleted: before, it kept the log
 * failed (every rotation failed on the occupied name, a start refused a directory there) until an operator removed
 * it, and every VM's every request was refused meanwhile.
 */
final class StrayPending {
    private static final System.Logger LOG = System.getLogger(StrayPending.class.getName());

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private StrayPending() {}

    /** Whether {@code pending} names anything (a dangling link included). */
    static boolean present(Path pending) {
        return Files.exists(pending, LinkOption.NOFOLLOW_LINKS);
    }

    /** Why {@link #setAside} found a file: nothing of the writer's is ever at that name. */
    static final String PLANTED = "held something the writer did not put there";

    /**
     * Renames what {@code pending} names to {@code <its name>.found-<UTC time>[-N]}; returns that name. The WARNING
     * says the file {@code why}.
     */
    static String setAside(Path pending, String why) throws IOException {
        String base = pending.getFileName() + ".found-" + STAMP.format(Instant.now());
        for (int n = 0; ; n++) {
            Path to = pending.resolveSibling(n == 0 ? base : base + "-" + n);
            try {
                Files.move(pending, to);
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            SafeLog.report(
                    LOG,
                    System.Logger.Level.WARNING,
                    "audit log: " + pending + " " + why + "; set aside as " + to.getFileName() + " (kept as found)");
            return to.getFileName().toString();
        }
    }

    /** The rotation that found the name taken fails (the retry, its name now free, records this in log_recovered). */
    static Found found(Path pending, String asideName) {
        return new Found(
                pending.getFileName() + " held a file the writer did not make (someone who can write "
                        + pending.getParent() + " put it there): set aside as " + asideName,
                asideName);
    }

    /** A rotation failed on something at the pending name, now set aside as {@link #asideName}. */
    static final class Found extends IOException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        private final String asideName;

        private Found(String message, String asideName) {
            super(message);
            this.asideName = asideName;
        }

        String asideName() {
            return asideName;
        }
    }

    /**
     * Names of what was set aside, for a record of the log: while it was failed, for its {@code log_recovered}
     * (planted again after each set-aside, every retry set one more aside and failed, and the record named only the
     * first, its failure=), and by seals, for the next checkpoint record. Bounded: a planter keeps it up for as long
     * as it likes, at most one a retry or a rotation.
     */
    static final class SetAsideNames {
        static final int SHOWN = 8;
        private final List<String> shown = new ArrayList<>();
        private long more;

        /** Notes what {@code failure} set aside, if it is a {@link Found}. */
        void note(Throwable failure) {
            if (failure instanceof Found found) {
                note(found.asideName());
            }
        }

        /** Notes a file set aside as {@code asideName}. Any thread (a seal's is not the log's lock's). */
        synchronized void note(String asideName) {
            if (shown.size() < SHOWN) {
                shown.add(asideName);
            } else {
                more++;
            }
        }

        /** {@code pending_set_aside=NAME} words (and {@code pending_set_aside_more=N}), each after a space; then forgets them. */
        synchronized String wordsThenForget() {
            StringBuilder words = new StringBuilder();
            shown.forEach(name -> words.append(" pending_set_aside=").append(name));
            if (more > 0) {
                words.append(" pending_set_aside_more=").append(more);
            }
            shown.clear();
            more = 0;
            return words.toString();
        }
    }
}
