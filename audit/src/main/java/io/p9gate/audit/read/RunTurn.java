package io.p9gate.audit.read;

/**
 * What a writer may append after the records so far (docs/audit-format.md, "Verifier"): after its shutdown
 * checkpoint nothing but the next run's start, and a run opens with its start, an optional key change and its open
 * checkpoint. A record forged after a clean shutdown otherwise looked like a crash's unanchored tail, and the next
 * run's recovery signed it. The verifier judges every record by it; the writer's recovery at open, the records no
 * note covers yet (docs/audit-format.md, "Recovery at open").
 */
public enum RunTurn {
    ANY("any record"),
    LOG_START("the next run's start record (nothing follows a run's shutdown checkpoint)"),
    KEY_CHANGE_OR_OPEN("a key_change or the open checkpoint (a run opens with its start, a key change and its"
            + " open checkpoint)"),
    OPEN("the open checkpoint (a run opens with its start, a key change and its open checkpoint)");

    private final String what;

    RunTurn(String what) {
        this.what = what;
    }

    /** What the writer may append at this turn, for messages. */
    public String what() {
        return what;
    }

    /**
     * Whether the writer may append {@code h} now. A run's start always: a crash while opening (between a run's start
     * and its open checkpoint, each written at once) leaves a start without the rest of its opening, and the next run
     * starts after it.
     */
    public boolean admits(LineHeader h) {
        if (h.mark() == RunMark.LOG_START) {
            return true;
        }
        return switch (this) {
            case ANY -> true;
            case LOG_START -> h.mark() == RunMark.LOG_START;
            case KEY_CHANGE_OR_OPEN -> h.mark() == RunMark.OPEN_CHECKPOINT || "key_change".equals(h.type());
            case OPEN -> h.mark() == RunMark.OPEN_CHECKPOINT;
        };
    }

    /** The turn after {@code h}, which {@code turn} admitted. */
    public static RunTurn after(RunTurn turn, LineHeader h) {
        return switch (h.mark()) {
            case SHUTDOWN_CHECKPOINT -> LOG_START;
            case LOG_START -> KEY_CHANGE_OR_OPEN;
            case OPEN_CHECKPOINT -> ANY;
            case NONE -> turn == KEY_CHANGE_OR_OPEN ? OPEN : ANY;
        };
    }
}
