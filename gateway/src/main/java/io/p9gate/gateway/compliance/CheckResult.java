package io.p9gate.gateway.compliance;

import java.util.List;
import java.util.Objects;

/**
 * One check of the suite, as every report shows it.
 *
 * @param id          stable identifier, e.g. {@code infotainment/maps/read-only:/base/lcreate-new}
 * @param vm          the VM it ran as (null for checks of the gateway as a whole)
 * @param share       the share it probed (null when it is not about one share)
 * @param requirement the requirement it traces to, e.g. {@code R-POL-3}
 * @param title       what it shows, in one line
 * @param request     the request(s) sent, as a reviewer reads them
 * @param expected    what the policy says the answer must be
 * @param seen        what the gateway answered
 * @param message     why it failed or was skipped, or a note on a pass; may be empty
 * @param auditSeqs   sequence numbers of the audit records of its decisive requests (filled in once the log
 *                    has been read; empty without audit access)
 */
public record CheckResult(
        String id,
        String vm,
        String share,
        String requirement,
        String title,
        Status status,
        String request,
        String expected,
        String seen,
        String message,
        List<Long> auditSeqs) {
    public CheckResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requirement, "requirement");
        Objects.requireNonNull(status, "status");
        title = Objects.requireNonNullElse(title, id);
        request = Objects.requireNonNullElse(request, "");
        expected = Objects.requireNonNullElse(expected, "");
        seen = Objects.requireNonNullElse(seen, "");
        message = Objects.requireNonNullElse(message, "");
        auditSeqs = List.copyOf(auditSeqs);
    }

    /** Failed after all, for {@code reasons} found later (in the audit log). */
    public CheckResult failedBy(List<String> reasons) {
        String why = String.join("; ", reasons) + (message.isEmpty() ? "" : "; " + message);
        return new CheckResult(
                id, vm, share, requirement, title, Status.FAILED, request, expected, seen, why, auditSeqs);
    }

    public CheckResult withAuditSeqs(List<Long> seqs) {
        return new CheckResult(id, vm, share, requirement, title, status, request, expected, seen, message, seqs);
    }
}
