package io.p9gate.gateway.fs;

import java.util.List;

/**
 * One question to the policy: may this VM's session do {@code operation} on these share-relative
 * paths as this guest user?
 *
 * @param vm        the listener the connection arrived on (the VM's identity, R-DEP-1)
 * @param share     the attach name of the share
 * @param paths     share-relative paths ("" is the share root); for a walk every intermediate
 *                  path, for rename/link source then destination
 * @param detail    operation specific: open flags, xattr name, lock range, ... (may be "")
 */
public record AccessRequest(String vm, long sessionId, Operation operation, String share, List<String> paths,
                            int uid, int gid, String detail) {
    public AccessRequest {
        paths = List.copyOf(paths);
    }
}
