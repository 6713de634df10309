package io.p9gate.policy.model;

import java.nio.file.Path;

/**
 * Where something was written in a policy file, for errors and lint messages: "file:line:col", or just
 * "file" when the problem is the file as a whole (line 0, e.g. it cannot be read).
 */
public record SourcePos(Path file, int line, int column) {
    @Override
    public String toString() {
        return line == 0 ? file.toString() : file + ":" + line + ":" + column;
    }
}
