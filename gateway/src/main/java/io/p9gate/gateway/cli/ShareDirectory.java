package io.p9gate.gateway.cli;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.LinkLoop;
import io.p9gate.gateway.policyadapter.ShareDirectoryState;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A share's host directory, looked at before anything is opened, the same for {@code --share} and a policy's share:
 * found when the share was opened, a directory not made yet recorded a start and a shutdown at every restart.
 */
final class ShareDirectory {
    private ShareDirectory() {}

    /**
     * The shares' directories, looked at in turn. One that is there and no directory is refused at once; one that does
     * not exist only after every other was looked at ({@link #requireAllThere}): stopping at the first missing one,
     * a later share naming a file (or a malformed {@code --share}) exited {@link Main#EXIT_RETRY}, restarted every
     * 5 s for ever with only "does not exist" said, and the mistake came out once the disk was mounted.
     */
    static final class Checks {
        private NotThereYet firstMissing;

        /**
         * Refuses {@code dir} if it is there and no directory, or a loop of links; one that cannot be looked at (no search permission
         * above it) is left to the share's open, which names the reason.
         *
         * @param named what the message starts with, naming where the share comes from
         * @throws IllegalArgumentException it is there and no directory: a mistake only the operator can correct
         */
        void require(String named, Path dir) {
            if (LinkLoop.at(dir)) {
                // Left to the share's open, it said the JDK's words and exited 1.
                throw new IllegalArgumentException(
                        named + ": " + FileReason.said(dir, LinkLoop.REASON) + " (correct the share's path)");
            }
            switch (ShareDirectoryState.of(dir)) {
                case NOT_A_DIRECTORY ->
                    throw new IllegalArgumentException(
                            named + ": directory " + dir + " is not a directory (correct the share's path)");
                case MISSING -> {
                    if (firstMissing == null) {
                        firstMissing = new NotThereYet(named + ": directory " + dir
                                + " does not exist (not mounted yet? exit " + Main.EXIT_RETRY
                                + ", which the unit retries; else create it or correct the path)");
                    }
                }
                case DIRECTORY, UNKNOWN -> {}
            }
        }

        /**
         * @throws NotThereYet the first directory looked at that does not exist: a disk mounted late may bring it, so
         *                     a restart may help
         */
        void requireAllThere() {
            if (firstMissing != null) {
                throw firstMissing;
            }
        }
    }

    /** A share directory that is missing: exit {@link Main#EXIT_RETRY}, not a usage error the unit never restarts. */
    static final class NotThereYet extends RuntimeException implements ExitStatus {
        @Serial
        private static final long serialVersionUID = 1L;

        NotThereYet(String message) {
            super(message);
        }

        @Override
        public int exitStatus() {
            return Main.EXIT_RETRY;
        }
    }
}
