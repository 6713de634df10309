package io.p9gate.policy.model;

/**
 * Where a Unix socket listener's account names are written: {@code socket: owner, group} and {@code peer: uid,
 * gid}, each null where the file names none. An account this host does not know is then reported at its name, the
 * thing to correct, rather than at the VM.
 */
public record AccountNames(SourcePos owner, SourcePos group, SourcePos uid, SourcePos gid) {
    /** A listener not read from a file. */
    public static final AccountNames NOWHERE = new AccountNames(null, null, null, null);

    /** {@code at}, or {@code fallback} (the VM's place) where the file gave no place. */
    public static SourcePos or(SourcePos at, SourcePos fallback) {
        return at == null ? fallback : at;
    }
}
