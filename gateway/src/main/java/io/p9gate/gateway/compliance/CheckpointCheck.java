package io.p9gate.gateway.compliance;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * audit/checkpoint (R-AUD-2): a checkpoint signed by one of the keys covers the suite's last record, and the first one that
 * does was dated promptly after that record, during the run. Both times are the gateway's own (the record's and the
 * checkpoint's): judging the checkpoint's age when the suite gets to look, after reading and matching the whole log,
 * failed a prompt gateway on a loaded machine, where that reading alone took half a minute.
 */
final class CheckpointCheck {
    private static final Duration POLL = Duration.ofMillis(200);

    private final Path dir;
    private final List<VerifierKey> keys;
    private final Duration wait;
    private final Instant began;

    /**
     * @param wait  how long to wait for the checkpoint to appear; it must be dated at most twice this after the record
     * @param began when the suite began (its own clock, the host's): no checkpoint over its records is older
     */
    CheckpointCheck(Path dir, List<VerifierKey> keys, Duration wait, Instant began) {
        this.dir = dir;
        this.keys = List.copyOf(keys);
        this.wait = wait;
        this.began = began;
    }

    /** The newest checkpoint signed by one of the keys, and the first (smallest) one covering the record asked about. */
    private record Signed(Checkpoint newest, Checkpoint covering) {}

    /**
     * Waits (at most {@code wait}) for a signed checkpoint covering record {@code lastSeq}, written at
     * {@code recorded} (null when no record of the suite's is known: then only coverage is judged).
     */
    CheckResult judge(long lastSeq, Instant recorded) throws IOException {
        Duration limit = wait.plus(wait);
        String title = "a signed checkpoint covers the suite's records (up to " + lastSeq + "), dated at most "
                + limit.toSeconds() + " s after the last of them";
        Instant deadline = Instant.now().plus(wait);
        Signed signed = signed(lastSeq);
        while (signed.covering() == null && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            signed = signed(lastSeq);
        }
        if (signed.newest() == null) {
            return result(
                    title,
                    "",
                    "no checkpoint signed by "
                            + String.join(
                                    " or ", keys.stream().map(VerifierKey::name).toList()));
        }
        Checkpoint first = signed.covering();
        if (first == null) {
            return result(
                    title,
                    "size " + signed.newest().size() + ", signed "
                            + signed.newest().time(),
                    "none covers record " + lastSeq + " within " + wait.toSeconds() + " s");
        }
        String seen = "size " + first.size() + ", signed " + first.time();
        if (recorded == null) {
            return result(title, seen, null);
        }
        Duration after = Duration.between(recorded, first.time());
        seen += " (" + after.toMillis() + " ms after record " + lastSeq + ")";
        // The host's clock on both sides; whole seconds spare the comparison any rounding of the two.
        if (first.time().isBefore(began.truncatedTo(ChronoUnit.SECONDS))) {
            return result(title, seen, "dated " + first.time() + ", before the run began (" + began + ")");
        }
        if (after.compareTo(limit) > 0) {
            return result(
                    title,
                    seen,
                    "signed " + after.toSeconds() + " s after record " + lastSeq + " (" + recorded + "); at most "
                            + limit.toSeconds() + " s (twice --audit-wait)");
        }
        return result(title, seen, null);
    }

    /** Passed when nothing is {@code wrong} (null), else failed saying why. */
    private static CheckResult result(String title, String seen, String wrong) {
        return new CheckResult(
                "audit/checkpoint",
                null,
                null,
                "R-AUD-2",
                title,
                wrong == null ? Status.PASSED : Status.FAILED,
                "",
                "",
                seen,
                wrong == null ? "" : wrong,
                List.of());
    }

    /** The sidecar's signed checkpoints, read a note at a time, keeping only the two asked for. */
    private Signed signed(long lastSeq) throws IOException {
        Checkpoint newest = null;
        Checkpoint covering = null;
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                Checkpoint cp = verified(e);
                if (cp == null) {
                    continue;
                }
                if (newest == null || cp.size() > newest.size()) {
                    newest = cp;
                }
                if (cp.size() > lastSeq && (covering == null || cp.size() < covering.size())) {
                    covering = cp;
                }
            }
        }
        return new Signed(newest, covering);
    }

    /** The entry's checkpoint when a key's signature on it verifies, else null. */
    private Checkpoint verified(CheckpointStore.Entry e) {
        if (e.noteText() == null) {
            return null;
        }
        try {
            SignedNote note = SignedNote.parse(e.noteText());
            return note.trust(keys) == SignedNote.Trust.VERIFIED ? Checkpoint.parse(note.body()) : null;
        } catch (NoteFormatException ignored) {
            return null; // a malformed note is the verifier's finding, reported by the verify check
        }
    }
}
