package io.p9gate.gateway.auditing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.DetailWords;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Red team (R-AUD-1, the refusal budget): whoever reaches a {@code tls:} listener is refused at will, each refusal a
 * record of no VM's. 64 decoy refusals a window (certificates of its own, from one address) take the budget's
 * records; a real probe after them (another address trying an impostor certificate) was only counted, into
 * {@code peer=varied … details=varied paths=varied}: the operator could not see that a second source had been
 * refused, nor how many certificates were tried. Repeats of one refusal from several addresses (a revoked
 * certificate tried from each) likewise left only {@code peer=varied}. A summary now says from how many source
 * addresses its refusals came, names the first few, and for refusals of several kinds how many kinds.
 */
class RefusalFloodSpreadTest {
    private static final String LISTENER = "connection refused: listener=tls:0.0.0.0:5641 ";

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private final List<AuditEvent.Decision> written = new ArrayList<>();

    @Test
    void aProbeAfterDecoysIsNamedInTheSummary() throws Exception {
        RepeatedRefusals refusals = refusals();
        for (int i = 0; i < 200; i++) {
            refusals.record(noVms("127.0.0.9:" + (40000 + i), "decoy" + i));
        }
        refusals.record(noVms("127.0.0.7:5555", "impostor"));
        for (int i = 200; i < 300; i++) {
            refusals.record(noVms("127.0.0.9:" + (40000 + i), "decoy" + i));
        }
        refusals.close();
        AuditEvent.Decision summary = written.getLast();
        assertEquals(300 + 1 - 64, summary.count(), summary.toString());
        List<String> words = Arrays.asList(summary.detail().split(" "));
        assertTrue(words.contains("source=127.0.0.7"), "the probe's source is named: " + summary.detail());
        assertTrue(words.contains("source=127.0.0.9"), summary.detail());
        assertTrue(words.contains("sources=2"), summary.detail());
        assertTrue(words.contains("kinds=" + SummarisedSpread.COUNTED), "64 or more certificates: " + summary.detail());
        assertTrue(summary.detail().endsWith(" paths=varied"), summary.detail());
    }

    @Test
    void oneRefusalRepeatedFromSeveralAddressesNamesThem() throws Exception {
        RepeatedRefusals refusals = refusals();
        for (int i = 0; i < 10; i++) {
            refusals.record(noVms("127.0.1." + i + ":4711", "revoked"));
        }
        refusals.close();
        assertEquals(2, written.size(), written.toString());
        String detail = written.getLast().detail();
        List<String> words = Arrays.asList(detail.split(" "));
        assertTrue(words.contains("sources=9"), "all but the first's, which has its record: " + detail);
        assertEquals(
                List.of("source=127.0.1.1", "source=127.0.1.2", "source=127.0.1.3", "source=127.0.1.4"),
                words.stream().filter(w -> w.startsWith("source=")).toList(),
                "the first " + SummarisedSpread.SHOWN);
        assertTrue(detail.endsWith(" repeat_of=0"), detail);
    }

    private RepeatedRefusals refusals() {
        return new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 64), d -> {
            written.add(d);
            return written.size() - 1;
        });
    }

    /** A certificate {@code cn} from {@code remote}, no VM's, as PolicyPeers records it. */
    private static AuditEvent.Decision noVms(String remote, String cn) {
        String fingerprint = "%064x".formatted(cn.hashCode() & 0xffffffffL);
        String peer = remote + " cert sha256=" + fingerprint + " subject=\"CN=" + cn + "\"";
        return new AuditEvent.Decision(
                "",
                0,
                "attach",
                0,
                "",
                new IdMapping(0, 0, 0, 0),
                Outcome.DENY,
                List.of("identity.certificate"),
                "sha256:p",
                13,
                AuditEvent.NO_BYTES,
                LISTENER + DetailWords.peer(peer) + " reason=certificate sha256 " + fingerprint + " (CN%3d" + cn
                        + ") is no VM's on tls:0.0.0.0:5641",
                1);
    }
}
