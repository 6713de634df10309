package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Why a file could not be used, in the one wording of every command (docs/cli.md, "Conventions"): {@code FILE:
 * REASON}. The JDK leaves the reason out of its typed exceptions ({@code AccessDeniedException}'s message is the path
 * alone), and the commands had each said a missing file their own way ("cannot read: no such file", "no such key
 * file: FILE", "no such audit directory: FILE").
 */
public final class FileReason {
    public static final String NO_SUCH_FILE = "no such file or directory";
    public static final String IS_A_DIRECTORY = "is a directory";
    public static final String IS_SPECIAL = "is a FIFO, socket or device";
    public static final String NOT_A_DIRECTORY = "not a directory";
    public static final String PERMISSION_DENIED = "permission denied";

    private FileReason() {}

    /** {@code FILE: REASON}, the shape of every such message; a command may add {@code  (what it expected)}. */
    public static String said(Object file, String reason) {
        return file + ": " + reason;
    }

    /** {@code FILE: no such file or directory}. */
    public static String missing(Object file) {
        return said(file, NO_SUCH_FILE);
    }

    /**
     * Why a node that is no regular file cannot be read as one: {@link #IS_A_DIRECTORY} or {@link #IS_SPECIAL}. The
     * commands had said it four ways ("it is a directory", "F is a directory, not a key file", "F: is a directory").
     */
    public static String notRegular(BasicFileAttributes a) {
        return a.isDirectory() ? IS_A_DIRECTORY : IS_SPECIAL;
    }

    /**
     * Why {@code file}, named on a command line to be read, is no file to read: not there, a directory, a FIFO,
     * socket or device, a loop of links ({@code FILE: REASON}); empty when it is a regular file, or when looking
     * fails otherwise (the read says why). Bad input, exit 2, in every command (docs/cli.md).
     */
    public static Optional<String> notARegularFile(Path file) {
        if (LinkLoop.at(file)) {
            return Optional.of(said(file, LinkLoop.REASON));
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.empty() : Optional.of(said(file, notRegular(a)));
        } catch (NoSuchFileException e) {
            return Optional.of(missing(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Why {@code dir}, named on a command line as a directory, is none: not there, a file, a FIFO, socket or device, a
     * loop of links ({@code DIR: REASON}); empty when it is a directory, or when looking fails otherwise. Bad input,
     * exit 2 (docs/cli.md); and a FIFO listed as a directory held the command in open(2) for ever (the JDK opens it
     * without O_DIRECTORY).
     */
    public static Optional<String> notADirectory(Path dir) {
        if (LinkLoop.at(dir)) {
            return Optional.of(said(dir, LinkLoop.REASON));
        }
        try {
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class);
            if (a.isDirectory()) {
                return Optional.empty();
            }
            return Optional.of(said(dir, a.isRegularFile() ? NOT_A_DIRECTORY : notRegular(a)));
        } catch (NoSuchFileException e) {
            return Optional.of(missing(dir));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a rename onto {@code name} would replace a FIFO, socket or device (the link itself, never its target;
     * false where nothing is there or nothing can be seen): an output renamed onto {@code /dev/null} by a command run
     * as root made the host's {@code /dev/null} a regular file (OutputOntoSpecialFileTest, RunFileOntoSpecialFileTest).
     */
    public static boolean isSpecialAt(Path name) {
        try {
            return Files.readAttributes(name, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isOther();
        } catch (IOException e) {
            return false;
        }
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
            case AccessDeniedException a -> PERMISSION_DENIED;
            case NoSuchFileException n -> NO_SUCH_FILE;
            case NotDirectoryException n -> NOT_A_DIRECTORY;
            case DirectoryNotEmptyException d -> "directory not empty";
            case FileAlreadyExistsException x -> "file exists";
            case NotLinkException n -> "not a symbolic link";
            case FileSystemLoopException l -> "too many levels of symbolic links";
            default -> "cannot be read or written";
        };
    }
}
