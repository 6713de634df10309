package io.p9gate.audit;

import io.p9gate.audit.read.ChainRule;
import io.p9gate.audit.read.LineHeader;

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
    private ChainRule rule = ChainRule.LINE;
    /** The rule in force before the last line, for {@link #withdrawLast}. */
    private ChainRule ruleBefore = ChainRule.LINE;

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
        ruleBefore = rule;
        if (header != null && header.statedRule() != null) {
            rule = header.statedRule();
        }
        return rule == ChainRule.LEAF ? hashes.leafChain(previous, leaf) : hashes.lineChain(previous, line, off, len);
    }

    /**
     * The last line passed to {@link #next} is in no later record's chain (the verifier found it slipped in: the
     * record after it links to the one before): a statement in it bound no record, so the rule before it is in
     * force again.
     */
    public void withdrawLast() {
        rule = ruleBefore;
    }

    /** The rule the last line passed to {@link #next} was chained by. */
    public ChainRule rule() {
        return rule;
    }
}
