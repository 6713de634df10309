package io.p9gate.audit.verify;

import java.util.List;

/** One piece of evidence that the log is not what was signed (R-AUD-3). */
public sealed interface Finding {

    FindingClass findingClass();

    /** One line for humans. */
    String describe();

    /** A stored line that is not a record, or a sidecar line that is not a checkpoint. */
    record Malformed(String where, String problem) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.MALFORMED;
        }

        public String describe() {
            return where + ": " + problem;
        }
    }

    /**
     * Record {@code seq}'s stored bytes are not what its successor's {@code prev} hash committed to. {@code position}
     * counts stored records from 0 across segments; {@code where} is the segment file and line a reader opens.
     */
    record Modified(long seq, long position, String where) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.MODIFIED;
        }

        public String describe() {
            return "record " + seq + " (" + where + ") was modified: the next record's prev hash does not match it";
        }
    }

    /**
     * Record {@code seq} ({@code where}) stands in its place in the chain (it links to its predecessor) and the record
     * after it is {@code seq + 1}, but it claims seq {@code claimed} and its successor's {@code prev} does not match
     * it: its seq was edited. One record changed, not a deletion of {@code seq} with records reordered or inserted.
     */
    record EditedSeq(long seq, long claimed, long position, String where) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.MODIFIED;
        }

        public String describe() {
            return "record " + seq + " (" + where + ") was modified: it claims seq " + claimed
                    + ", and the next record's prev hash does not match it";
        }
    }

    /** The records before {@code size} hash to another tree than the signed checkpoint says, with an intact chain. */
    record Rewritten(long size) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.MODIFIED;
        }

        public String describe() {
            return "records 0.." + (size - 1) + " do not match the signed checkpoint of size " + size
                    + " (history rewritten with a recomputed chain)";
        }
    }

    /** A record that was never written by the gateway, found at stored position {@code position}, {@code where}. */
    record Inserted(long seq, long position, String where) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.INSERTED;
        }

        public String describe() {
            return "record claiming seq " + seq + " (" + where + ") was inserted";
        }
    }

    /**
     * Record {@code seq} ({@code type}, at stored position {@code position}, {@code where}) stands where its writer
     * appends only {@code expected}: after a run's shutdown checkpoint, or among a run's opening records.
     */
    record OutsideRun(long seq, String type, long position, String where, String expected) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.INSERTED;
        }

        public String describe() {
            return "record claiming seq " + seq + " (" + where + ") was inserted: a " + type + " record where the"
                    + " gateway appends only " + expected;
        }
    }

    /** Records {@code fromSeq..toSeq} (inclusive) are missing. */
    record Deleted(long fromSeq, long toSeq) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.DELETED;
        }

        public String describe() {
            return fromSeq == toSeq
                    ? "record " + fromSeq + " was deleted"
                    : "records " + fromSeq + ".." + toSeq + " were deleted";
        }
    }

    /** A checkpoint record announces a checkpoint of {@code size} but its signed note is gone. */
    record CheckpointDeleted(long size) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.DELETED;
        }

        public String describe() {
            return "the signed checkpoint of size " + size + " was deleted (its checkpoint record is in the log)";
        }
    }

    /**
     * The sidecar holds no note, yet record {@code seq} ({@code where}) is of a {@code type} a writer appends only
     * once the checkpoint it takes at open is signed: the notes were deleted.
     */
    record NotesDeleted(long seq, String type, String where) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.DELETED;
        }

        public String describe() {
            return "no signed checkpoint, yet record " + seq + " (" + where + ") is a " + type
                    + " record, which the gateway writes only once its open checkpoint is signed: the notes were deleted";
        }
    }

    /** Records {@code fromSeq..toSeq} are present but not where their sequence numbers put them. */
    record Reordered(long fromSeq, long toSeq) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.REORDERED;
        }

        public String describe() {
            return fromSeq == toSeq
                    ? "record " + fromSeq + " is out of order"
                    : "records " + fromSeq + ".." + toSeq + " are out of order";
        }
    }

    /**
     * The log ends at {@code records} ({@code end}: where) but {@code checkpoints} signed checkpoints, {@code first}
     * to {@code last}, cover more, up to {@code size}. One finding for them all: one per checkpoint listed a thousand
     * lines for a log cut in half, and none said where it ends.
     */
    record Truncated(long size, long records, String first, String last, long checkpoints, String end)
            implements Finding {
        public FindingClass findingClass() {
            return FindingClass.TRUNCATED;
        }

        public String describe() {
            String which = checkpoints == 1
                    ? first + " covers " + size
                    : checkpoints + " signed checkpoints (" + first + " to " + last + ") cover up to " + size;
            return "log truncated: " + which + " records, only " + records + " remain (the log ends " + end + ")";
        }
    }

    /** A validly signed checkpoint of {@code size} that is not a prefix of this log. */
    record Fork(long size, String source) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.FORK;
        }

        public String describe() {
            return "fork: " + source + " of size " + size + " is signed but describes a different history";
        }
    }

    /** A checkpoint ({@code where}, of {@code size}: it covers records 0 to size-1) with no signature by any trusted key. */
    record UnknownKey(String where, long size, List<String> signers) implements Finding {
        public UnknownKey {
            signers = List.copyOf(signers);
        }

        public FindingClass findingClass() {
            return FindingClass.UNKNOWN_KEY;
        }

        public String describe() {
            return where + ": signed only by unknown key(s) " + String.join(", ", signers);
        }
    }

    /**
     * A checkpoint ({@code where}, of {@code size}) signed by a trusted key ({@code signer}) that may not sign the
     * records it covers: record {@code lastSeq} was written under {@code runKey}, and {@code signer} is neither that
     * key nor one a later opening names (docs/audit-format.md, "Keys"); {@code retiredAt} is the seq of the start
     * record that retired it, or -1.
     */
    record NotRunKey(String where, long size, String signer, String runKey, long lastSeq, long retiredAt)
            implements Finding {
        public FindingClass findingClass() {
            return FindingClass.UNKNOWN_KEY;
        }

        public String describe() {
            String why = retiredAt >= 0
                    ? ", a key retired at record " + retiredAt + " (a retired key signs no checkpoint covering later"
                            + " records)"
                    : ", which neither wrote them nor opened a run after them";
            return where + " (size " + size + ") is signed by " + signer + why + ": record " + lastSeq
                    + " was written under " + runKey;
        }
    }

    /** A checkpoint whose signature by a trusted key does not verify. */
    record BadSignature(String where, String key) implements Finding {
        public FindingClass findingClass() {
            return FindingClass.BAD_SIGNATURE;
        }

        public String describe() {
            return where + ": signature by " + key + " does not verify";
        }
    }
}
