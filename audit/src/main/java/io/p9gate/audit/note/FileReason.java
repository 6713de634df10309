package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;

/**
 * Why a file could not be used, in the one wording of every command (docs/cli.md, "Conventions"): {@code FILE:
 * REASON}. The JDK leaves the reason out of its typed exceptions ({@code AccessDeniedException}'s message is the path
 * alone), and the commands had each said a missing file their own way ("cannot read: no such file", "no such key
 * file: FILE", "no such audit directory: FILE").
 */
public final class FileReason {
    public static final String NO_SUCH_FILE = "no such file or directory";

    private FileReason() {}

    /** {@code FILE: no such file or directory}. */
    public static String missing(Object file) {
        return file + ": " + NO_SUCH_FILE;
    }

    /** The reason alone, in words. */
    public static String of(IOException e) {
        if (!(e instanceof FileSystemException f) || f.getFile() == null) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        // The JDK words a loop as "Too many levels of symbolic links or unable to access attributes of symbolic
        // link" (in the locale's words): said as every other loop the tools meet.
        if (LinkLoop.at(Path.of(f.getFile()))) {
            return LinkLoop.REASON;
        }
        if (f.getReason() != null) {
            return f.getReason();
        }
        return switch (f) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> NO_SUCH_FILE;
            case NotDirectoryException n -> "not a directory";
            case DirectoryNotEmptyException d -> "directory not empty";
            case FileAlreadyExistsException x -> "file exists";
            case NotLinkException n -> "not a symbolic link";
            case FileSystemLoopException l -> "too many levels of symbolic links";
            default -> "cannot be read or written";
        };
    }
}
