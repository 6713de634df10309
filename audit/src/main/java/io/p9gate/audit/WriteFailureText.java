package io.p9gate.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A failed write of the log in an operator's words: the system's text and the errno's name ({@code No space left on
 * device (ENOSPC)}), not the Java class that carried it ({@code java.io.IOException: …}). Java gives an I/O error
 * only as the C library's text, so the name is found from it; a text not listed stays as it is. Anything but an
 * I/O error (a bug, an Error) keeps its class: it is what a developer needs.
 */
final class WriteFailureText {
    private WriteFailureText() {}

    /** glibc's strerror texts of what a write, fsync, open or rename of the log's files meets. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("No space left on device", "ENOSPC"),
            Map.entry("Disk quota exceeded", "EDQUOT"),
            Map.entry("Input/output error", "EIO"),
            Map.entry("Read-only file system", "EROFS"),
            Map.entry("Permission denied", "EACCES"),
            Map.entry("Operation not permitted", "EPERM"),
            Map.entry("Too many open files", "EMFILE"),
            Map.entry("Too many open files in system", "ENFILE"),
            Map.entry("File too large", "EFBIG"),
            Map.entry("No such file or directory", "ENOENT"),
            Map.entry("Not a directory", "ENOTDIR"),
            Map.entry("Is a directory", "EISDIR"),
            Map.entry("Cannot allocate memory", "ENOMEM"),
            Map.entry("Stale file handle", "ESTALE"));

    static String of(Throwable failure) {
        Throwable cause = failure instanceof UncheckedIOException u ? u.getCause() : failure;
        if (!(cause instanceof IOException) || cause.getMessage() == null) {
            return cause.toString();
        }
        String text = cause.getMessage();
        // A FileSystemException says "FILE: TEXT"; the text is what is after the last ": ".
        String reason = text.substring(text.lastIndexOf(": ") + 1).strip();
        String name = NAMES.get(reason);
        return name == null ? text : text + " (" + name + ")";
    }
}
