package io.p9gate.policy.load;

import java.nio.charset.CharacterCodingException;

/**
 * A file that is not UTF-8 text, with where its first byte that is not: the JDK's own exception says only
 * "Input length = 1", so an operator had to hunt for the byte.
 */
public final class NotUtf8Exception extends CharacterCodingException {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final int badByte;

    NotUtf8Exception(TextPosition at, byte badByte) {
        this.line = at.line();
        this.column = at.column();
        this.badByte = badByte & 0xff;
    }

    /** Where the byte is: the line and column the text before it ends at. */
    public TextPosition at() {
        return new TextPosition(line, column);
    }

    /** What is wrong, without the place: for a message that starts with {@code FILE:LINE:COL:}. */
    public String reason() {
        return String.format("not UTF-8 text (byte 0x%02x)", badByte);
    }

    @Override
    public String getMessage() {
        return String.format("not UTF-8 text (byte 0x%02x at line %d, column %d)", badByte, line, column);
    }
}
