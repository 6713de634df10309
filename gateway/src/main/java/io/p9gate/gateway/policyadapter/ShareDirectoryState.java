package io.p9gate.gateway.policyadapter;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a share's host directory is before anything opens it: serve's start and a reload's warning judge it alike (a
 * missing one may come with a disk mounted late; one that is there and no directory only the operator can correct).
 */
public enum ShareDirectoryState {
    DIRECTORY,
    NOT_A_DIRECTORY,
    MISSING,
    /** It cannot be looked at (no search permission above it): left to the share's open, which names the reason. */
    UNKNOWN;

    public static ShareDirectoryState of(Path dir) {
        if (Files.isDirectory(dir)) return DIRECTORY;
        if (Files.exists(dir)) return NOT_A_DIRECTORY;
        if (Files.notExists(dir)) return MISSING;
        return UNKNOWN;
    }
}
