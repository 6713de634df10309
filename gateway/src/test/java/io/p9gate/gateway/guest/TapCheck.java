package io.p9gate.gateway.guest;

/**
 * One check line of a guest script's TAP-like output.
 *
 * @param number  the check's number
 * @param name    what it checks
 * @param status  passed, failed or skipped
 * @param details the failure details or the skip reason ("" when passed)
 */
public record TapCheck(int number, String name, Status status, String details) {

    public enum Status {
        PASSED,
        FAILED,
        SKIPPED
    }

    public boolean passed() {
        return status == Status.PASSED;
    }

    @Override
    public String toString() {
        return switch (status) {
            case PASSED -> "ok " + number + " - " + name;
            case SKIPPED -> "ok " + number + " - " + name + " # SKIP " + details;
            case FAILED -> "not ok " + number + " - " + name + ": " + details;
        };
    }
}
