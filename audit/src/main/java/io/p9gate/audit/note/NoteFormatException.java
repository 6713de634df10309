package io.p9gate.audit.note;

/** Text that is not a well-formed signed note or checkpoint. */
public final class NoteFormatException extends Exception {
    public NoteFormatException(String message) {
        super(message);
    }
}
