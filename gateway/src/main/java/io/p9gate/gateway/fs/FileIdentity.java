package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileKey;

/**
 * Which host file an entry is, as the guard tells those who implement its interfaces ({@link Quotas}): the
 * (device, inode) pair that stays the same across renames and hard links. The guard's own copy of the backend's
 * key, so a quota implementation needs no backend type (only the guard reaches the host: docs/architecture.md).
 */
public record FileIdentity(long device, long inode) {
    static FileIdentity of(FileKey key) {
        return new FileIdentity(key.dev(), key.ino());
    }
}
