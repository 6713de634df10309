package io.p9gate.gateway.packaging;

import java.nio.file.Path;

/**
 * One entry of the package's file tree, as it is archived and listed in the manifest: a path relative to the
 * install prefix ({@code bin/p9gate}), and a mode that is chosen, never copied from the build host, so the
 * archive is the same wherever it is built.
 */
sealed interface TreeEntry extends Comparable<TreeEntry> {
    String path();

    /** A directory, {@code mode} e.g. 0755. */
    record Directory(String path, int mode) implements TreeEntry {}

    /** A regular file whose bytes are read from {@code source} on the build host. */
    record RegularFile(String path, int mode, Path source) implements TreeEntry {}

    /** A symbolic link (the jlink runtime links shared legal notices). */
    record Symlink(String path, String target) implements TreeEntry {}

    /** Archive and manifest order: by path, byte by byte, so it does not depend on a locale. */
    @Override
    default int compareTo(TreeEntry other) {
        return path().compareTo(other.path());
    }
}
