package io.p9gate.policy.model;

import java.nio.file.Path;

/** Where something was written in a policy file, for errors and lint messages: "file:line:col". */
public record SourcePos(Path file, int line, int column) {
    @Override public String toString() { return file + ":" + line + ":" + column; }
}
