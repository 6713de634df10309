package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A path that is a symbolic link the kernel gives up following (ELOOP: a loop of links, or more than 40 in a row).
 * The JDK reports it as a file that does not exist ({@code Files.exists}) or with its own English words, so a key or
 * an audit directory given as such a link read "no such key file" or "no such audit directory", and a sidecar that
 * is one read as deleted.
 */
public final class LinkLoop {
    /** What the tools say of such a path, after its name. */
    public static final String REASON = "too many levels of symbolic links (a loop of links?)";

    private LinkLoop() {}

    public static boolean at(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return false;
        }
        try {
            Files.readAttributes(path, BasicFileAttributes.class);
            return false;
        } catch (NoSuchFileException | AccessDeniedException e) {
            return false; // a dangling link, or one into a directory not searchable: the caller says so as usual
        } catch (IOException e) {
            return true;
        }
    }
}
