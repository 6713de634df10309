package io.p9gate.audit;

import io.p9gate.audit.note.NoteSignature;
import io.p9gate.audit.note.SigningKey;
import java.util.Locale;

/** What the log says of itself when it opens: the details of its START record and of a KEY_CHANGE record. */
final class StartRecords {
    private StartRecords() {}

    /**
     * The KEY_CHANGE record's detail when {@code key} differs from the key that signed the last checkpoint
     * ({@code previous}), or null: none was signed, or by this key.
     */
    static String keyChangeDetail(NoteSignature previous, SigningKey key) {
        if (previous != null
                && (!previous.keyName().equals(key.name())
                        || previous.keyHash() != key.verifierKey().keyHash())) {
            return "from=" + previous.keyName() + "+" + String.format(Locale.ROOT, "%08x", previous.keyHash()) + " to="
                    + key.verifierKey().format();
        }
        return null;
    }

    /**
     * The signing key, what crash recovery found (records after the last checkpoint signed before the crash), and
     * the disk budget, for the START record. Counted from what recovery read, not from the log's last checkpoint:
     * the checkpoint thread may have signed the recovered checkpoints already, and the count said fewer records.
     */
    static String startDetail(LogRecovery.State state, SigningKey key, AuditOptions options) {
        long unanchored = state.size() - state.signedSize();
        StringBuilder detail = new StringBuilder("key=")
                .append(key.verifierKey().format())
                .append(" recovered_unanchored=")
                .append(unanchored)
                .append(" recovered_checkpoints=")
                .append(state.unsigned().size())
                .append(" torn_bytes=")
                .append(state.tornBytes());
        if (state.setAside() != null) {
            // Records no gateway wrote, moved out of the log unsigned: the log says so in its own signed words.
            detail.append(" set_aside=")
                    .append(state.setAside().lines())
                    .append(" set_aside_file=")
                    .append(state.setAside().file());
        }
        if (state.pendingSetAside() != null) {
            detail.append(" pending_set_aside=").append(state.pendingSetAside());
        }
        if (options.maxBytes() > 0) {
            detail.append(" max_bytes=").append(options.maxBytes());
        }
        if (options.minFreeBytes() > 0) {
            detail.append(" min_free=").append(options.minFreeBytes());
        }
        if ((options.maxBytes() > 0 || options.minFreeBytes() > 0) && options.budgetVms() > 0) {
            detail.append(" budget_vms=").append(options.budgetVms());
        }
        return detail.toString();
    }
}
