package io.p9gate.audit.read;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

/**
 * A stored record parsed for review (show, export). Integrity checks never use this view: they hash the stored
 * bytes. Fields that do not apply to a record type are null.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AuditRecord(
        long seq,
        String boot,
        String time,
        String type,
        String vm,
        Long session,
        String op,
        Integer tag,
        String path,
        @JsonProperty("guest_uid") Long guestUid,
        @JsonProperty("guest_gid") Long guestGid,
        @JsonProperty("host_uid") Long hostUid,
        @JsonProperty("host_gid") Long hostGid,
        String decision,
        List<String> rules,
        String policy,
        Integer errno,
        Long bytes,
        Long count,
        String detail,
        String prev) {

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /**
     * The record on a stored line; an IOException for a line that is not one. Every record the writer writes has an
     * RFC 3339 {@code time}; a line whose time is missing or not one (only a doctored log has it) is no record either,
     * so the review commands skip it with their warning instead of failing on it mid-way (stats, report and
     * {@code --since} read every record's time). Nor is a line with a zero byte or one that is not UTF-8 ({@link
     * RecordText}).
     */
    public static AuditRecord parse(byte[] line) throws IOException {
        AuditRecord r = JSON.readValue(RecordText.of(line), AuditRecord.class);
        try {
            if (r.time() != null) {
                r.instant();
                return r;
            }
        } catch (DateTimeParseException e) {
            // below
        }
        throw new IOException("record " + r.seq() + " has no RFC 3339 time");
    }

    /** The record's time; records are written with RFC 3339 UTC times. */
    public Instant instant() {
        return Instant.parse(time);
    }

    public boolean isDecision() {
        return "decision".equals(type);
    }

    /**
     * Whether the guest saw this request fail, whoever refused it: the policy ({@code deny}) or a later check that
     * records the policy's {@code allow} with the errno the guest got (a quota's EDQUOT, a backend's ENOSPC).
     */
    public boolean refused() {
        return isDecision() && ("deny".equals(decision) || errno != null && errno != 0);
    }

    /** How many requests a decision record stands for (1 when the field is absent: logs before it existed). */
    public long requests() {
        return count == null ? 1 : count;
    }

    /**
     * Whether {@code detail} has {@code word} as one of its space-separated words: a substring test took the outcome
     * of intent 570 for intent 57's.
     */
    public static boolean hasDetailWord(String detail, String word) {
        return detail != null && Arrays.asList(detail.split(" ")).contains(word);
    }
}
