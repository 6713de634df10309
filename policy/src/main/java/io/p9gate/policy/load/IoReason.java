package io.p9gate.policy.load;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Why a file could not be read or written, in words: the JDK's messages are the bare path (NoSuchFileException,
 * AccessDeniedException) or "Input length = 1" (a byte that is not UTF-8).
 */
public final class IoReason {
    private IoReason() {}

    public static String of(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file";
            case AccessDeniedException a -> "permission denied";
            case NotUtf8Exception n -> n.getMessage();
            case CharacterCodingException c -> "not UTF-8 text";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}
