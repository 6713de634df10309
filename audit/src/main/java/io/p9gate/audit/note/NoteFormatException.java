package io.p9gate.audit.note;

import java.io.Serial;

/** Text that is not a well-formed signed note or checkpoint. */
public final class NoteFormatException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public NoteFormatException(String message) {
        super(message);
    }
}
