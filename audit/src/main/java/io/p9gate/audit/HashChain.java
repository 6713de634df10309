package io.p9gate.audit;

import io.p9gate.audit.read.ChainRule;
import io.p9gate.audit.read.LineHeader;
import java.security.MessageDigest;

/**
 * Which chain rule applies to each stored record, in log order (docs/audit-format.md "Hashes", "Older logs"): the
 * one the last {@code start} or {@code checkpoint} record at or before it states ({@link LineHeader#statedRule}),
 * {@link ChainRule#LINE} before any. Every run of a writer begins with a {@code start} record, so each run's
 * records follow the rule of the writer that wrote them. The statement is in the record's own bytes, so its leaf
 * hash, the next record's {@code prev} and the signed tree all cover it: the rule is read from the log, never
 * guessed. Everything that recomputes the chain of stored records (the writer's recovery, the verifier) goes
 * through here. Not thread-safe.
 */
public final class HashChain {
    private final Hashes hashes;
    /** How many of the last chain values {@link #resumeAfter} knows: a slipped-in or moved line is one of them. */
    private static final int RECENT = 4;

    private ChainRule rule = ChainRule.LINE;
    /** The last chain values, with the rule in force after each (a ring of {@link #RECENT}). */
    private final byte[][] recentChains = new byte[RECENT][];

    private final ChainRule[] recentRules = new ChainRule[RECENT];
    private int slot;

    public HashChain(Hashes hashes) {
        this.hashes = hashes;
    }

    /**
     * The chain value after a stored line.
     *
     * @param previous the chain value before it
     * @param leaf its leaf hash (already computed for the tree)
     * @param header its header, or null for a line that is no record (it keeps the rule in force)
     */
    public byte[] next(byte[] previous, byte[] line, int off, int len, byte[] leaf, LineHeader header) {
        if (header != null && header.statedRule() != null) {
            rule = header.statedRule();
        }
        byte[] chain =
                rule == ChainRule.LEAF ? hashes.leafChain(previous, leaf) : hashes.lineChain(previous, line, off, len);
        recentChains[slot] = chain;
        recentRules[slot] = rule;
        slot = (slot + 1) % RECENT;
        return chain;
    }

    /**
     * A record does not link to the last line but to {@code prev} (the verifier resynchronises on it): when that is
     * the chain after one of the last few lines, the lines after that one are not in its chain (slipped in, or
     * moved here), so a rule they state binds neither it nor the records after it: the rule in force after that
     * line applies again. Otherwise (a line deleted, or rewritten) the rule in force stays.
     */
    public void resumeAfter(byte[] prev) {
        for (int i = 0; i < RECENT; i++) {
            if (recentChains[i] != null && MessageDigest.isEqual(recentChains[i], prev)) {
                rule = recentRules[i];
                return;
            }
        }
    }

    /** The rule the last line passed to {@link #next} was chained by. */
    public ChainRule rule() {
        return rule;
    }
}
