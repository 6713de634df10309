package io.p9gate.policy.lint;

import io.p9gate.policy.model.SourcePos;

/** One lint result: something legal but probably not what the author meant. */
public record Finding(SourcePos pos, String message) {
    @Override public String toString() { return pos + ": warning: " + message; }
}
