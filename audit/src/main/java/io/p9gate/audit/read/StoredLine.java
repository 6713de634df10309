package io.p9gate.audit.read;

import java.nio.file.Path;

/**
 * One line as stored in a segment, without its newline. {@code terminated} is false only for bytes at the very
 * end of a file that lack a newline (a torn write).
 */
public record StoredLine(Path segment, long offset, byte[] bytes, boolean terminated) {}
