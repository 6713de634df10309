package io.p9gate.gateway.fs;

import java.util.List;

/** Decides every guest request before the backend is touched (R-POL-2). Must be thread-safe. */
@FunctionalInterface
public interface AccessPolicy {
    Decision decide(AccessRequest request);

    /**
     * The host ids a request of guest {@code uid} and {@code gid} of {@code vm} acts as (R-POL-5), as {@link #decide}
     * stamps them on its decision: for the record of a refusal made without asking it. Null: no map applies.
     */
    default HostIds hostIds(String vm, int uid, int gid) {
        return null;
    }

    /**
     * Whether a directory entry may appear in a listing (R-POL-4: hidden subtrees are absent from
     * readdir as well as from walk). {@code path} is share-relative like {@link AccessRequest#paths()}.
     */
    default boolean visible(String vm, String share, String path, int uid, int gid) {
        return true;
    }

    /**
     * The names directly in the directory at {@code dir} that the policy may hide ({@link #visible} says for whom):
     * a directory holding one must not answer rmdir, or count its links, by what the host has under it (R-POL-4).
     * Asked of policy rules alone, never of the host, so that the answer cannot depend on whether they exist.
     */
    default List<String> hiddenNamesIn(String vm, String share, String dir) {
        return List.of();
    }

    /**
     * Whether {@link #hiddenNamesIn} may name anything in any directory of the VM's share: false lets a share that
     * hides nothing skip that question for every directory it counts the links of or removes. True unless known.
     */
    default boolean hidesNamesIn(String vm, String share) {
        return true;
    }

    /**
     * Whether a request of the VM in its share may be decided differently at two paths: if not, a handle whose place
     * is not known (its name was removed while its file lives on under another) is decided on the name it had. True
     * unless known.
     */
    default boolean decidesByPath(String vm, String share) {
        return true;
    }

    /**
     * Whether a listing that describes its entries (a 9P2000/.u directory read, whole stat(5) entries) may show what
     * getattr shows of the entry at {@code path}: only if the guest could walk to it and get its attributes (WALK
     * and GETATTR), as over 9P2000.L. Asked inside a READDIR already decided and recorded, like {@link #visible}.
     */
    default boolean describable(String vm, String share, String path, int uid, int gid) {
        return true;
    }

    /** What a listing that describes its entries may show of one: nothing, its name (qid, type), or getattr's. */
    enum Shown {
        HIDDEN,
        NAME_ONLY,
        DESCRIBED
    }

    /**
     * {@link #visible} and {@link #describable} as one question per entry of a describing listing (9P2000/.u), so
     * that a policy asks WALK once: hidden if WALK is refused with ENOENT, the name only if it is refused otherwise
     * or GETATTR is, else described. At most two Cedar evaluations (WALK, GETATTR); one when WALK is refused.
     */
    default Shown shown(String vm, String share, String path, int uid, int gid) {
        if (!visible(vm, share, path, uid, gid)) {
            return Shown.HIDDEN;
        }
        return describable(vm, share, path, uid, gid) ? Shown.DESCRIBED : Shown.NAME_ONLY;
    }

    /**
     * This policy as it is now, for a request that asks more than one question (a rename: {@link #decide}, then
     * {@link #replaceable}): a policy that can be reloaded returns one that answers every question with the engine
     * current at this call, so that a reload between the questions cannot mix two policies (docs/policy.md,
     * "Reload"). A policy that never changes is its own snapshot.
     */
    default AccessPolicy pinned() {
        return this;
    }

    /**
     * Whether a rename may replace an entry at {@code path}, removing the file that had that name: only if the
     * entry could be removed (REMOVE). Asked of the {@link #pinned} policy that allowed the rename, as part of its
     * decision ({@link Decision#replaces}); if not, the rename is made so that it fails (EEXIST) when the name
     * exists, which the host decides atomically.
     */
    default boolean replaceable(String vm, String share, String path, int uid, int gid) {
        return true;
    }
}
