package io.p9gate.policy.load;

import io.p9gate.audit.note.FileReason;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;

/**
 * Why a file could not be read or written, in words: the JDK's messages are the bare path (NoSuchFileException,
 * AccessDeniedException) or "Input length = 1" (a byte that is not UTF-8).
 */
public final class IoReason {
    private IoReason() {}

    public static String of(IOException e) {
        return switch (e) {
            case NotUtf8Exception n -> n.getMessage();
            case CharacterCodingException c -> "not UTF-8 text";
            default -> FileReason.of(e); // the words of every command (no such file or directory, ...)
        };
    }
}
