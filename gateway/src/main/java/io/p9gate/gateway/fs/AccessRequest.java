package io.p9gate.gateway.fs;

import java.util.List;
import java.util.Objects;

/**
 * One question to the policy: may this VM's session do {@code operation} on these share-relative
 * paths as this guest user?
 *
 * @param vm        the VM the connection speaks for (its identity from the transport, R-DEP-1)
 * @param share     the attach name of the share
 * @param paths     share-relative paths ("" is the share root); for a walk every intermediate
 *                  path, for rename/link source then destination
 * @param args      what the request asks beyond operation and paths (open flags, xattr name, names, ...), typed:
 *                  the only request details a decision may read
 * @param detail    the same for a human reading the audit record (may be ""); never read by a decision
 */
public record AccessRequest(
        String vm,
        long sessionId,
        Operation operation,
        String share,
        List<String> paths,
        int uid,
        int gid,
        RequestArgs args,
        String detail) {
    public AccessRequest {
        paths = List.copyOf(paths);
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(detail, "detail");
    }

    /** The same question, its record's detail {@code detail}. */
    public AccessRequest withDetail(String detail) {
        return new AccessRequest(vm, sessionId, operation, share, paths, uid, gid, args, detail);
    }
}
