package io.p9gate.audit.read;

/**
 * What a record's chain hash covers (docs/audit-format.md "Hashes"): its whole line (every log before the rule
 * existed) or its leaf hash. {@code start} and {@code checkpoint} records state the rule for themselves and the
 * records after them, by {@link LineHeader#LEAF_CHAIN} among their detail words or its absence.
 */
public enum ChainRule {
    /** {@code chain_i = SHA-256(chain_{i-1} || line_i)}. */
    LINE,
    /** {@code chain_i = SHA-256(chain_{i-1} || leaf_i)}: one 64-byte block, the line is hashed once. */
    LEAF
}
