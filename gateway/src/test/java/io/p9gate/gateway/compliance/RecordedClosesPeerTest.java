package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which budget.connections refusals of a VM can be the suite's own closes at accept ({@link RecordedCloses}): those
 * whose peer is one the gateway recorded for the suite's own sessions ({@link SuitePeers}). Before, a refusal from an
 * address ({@code tls:}, {@code tcp:}) always counted, another VM's or another client's too, and so did every summary
 * of several peers ({@code peer=varied}), whatever sources it names: a gateway that recorded none of the suite's
 * closes passed on the live VM's refusals. And the suite's own pid stood for the pid the gateway sees, which a
 * gateway in another PID namespace does not.
 */
class RecordedClosesPeerTest {
    private static final String SOCKET = "unix:/run/p9gate/vm1.sock";

    private static AuditRecord refusal(long seq, String peerWord, String tail, long count) {
        return new AuditRecord(
                seq,
                "b",
                "2026-12-07T23:10:00.000000Z",
                "decision",
                "vm1",
                null,
                "attach",
                null,
                "",
                null,
                null,
                null,
                null,
                "deny",
                List.of("budget.connections"),
                "sha256:x",
                Errno.ECONNREFUSED.code(),
                null,
                count,
                "connection refused: " + peerWord + tail,
                "00");
    }

    private static AuditRecord from(String peer) {
        return refusal(10, DetailWords.peer(peer), "", 1);
    }

    private static long recorded(List<String> suiteSessions, AuditRecord... refusals) {
        return RecordedCloses.of("vm1", 9, List.of(refusals), SuitePeers.of(suiteSessions))
                .recorded();
    }

    @Test
    void aTlsRefusalFromAnotherAddressIsNotTheSuites() {
        List<String> suite = List.of("tls:127.0.0.1:40001");
        assertEquals(0, recorded(suite, from("tls:10.0.0.9:5555")));
        assertEquals(1, recorded(suite, from("tls:127.0.0.1:40017")));
    }

    @Test
    void aSummaryOfOtherSourcesIsNotTheSuites() {
        List<String> suite = List.of("tls:127.0.0.1:40001");
        AuditRecord others =
                refusal(11, "peer=varied", " sources=2 source=tls:10.0.0.9 source=tls:10.0.0.7 repeat_of=10", 5);
        AuditRecord mixed =
                refusal(12, "peer=varied", " sources=2 source=tls:10.0.0.9 source=tls:127.0.0.1 repeat_of=10", 5);
        AuditRecord many = refusal(
                13,
                "peer=varied",
                " sources=5 source=tls:10.0.0.1 source=tls:10.0.0.2 source=tls:10.0.0.3 source=tls:10.0.0.4 repeat_of=10",
                5);
        assertEquals(0, recorded(suite, others));
        // Which of a mixed summary's were the suite's the log does not say: counted, no false FAIL.
        assertEquals(5, recorded(suite, mixed));
        assertEquals(5, recorded(suite, many));
    }

    @Test
    void thePidIsTheOneTheGatewayRecordedForTheSuitesSessions() {
        // A gateway in another PID namespace sees the suite as pid 7, the live VM as pid 8.
        List<String> suite = List.of(SOCKET + " pid=7 uid=0");
        assertEquals(1, recorded(suite, from(SOCKET + " pid=7 uid=0")));
        assertEquals(0, recorded(suite, from(SOCKET + " pid=8 uid=0")));
        assertEquals(
                0,
                recorded(suite, from(SOCKET + " pid=" + ProcessHandle.current().pid() + " uid=0")));
    }

    @Test
    void withoutASessionOfTheSuiteItsOwnPidStandsIn() {
        String own = SOCKET + " pid=" + ProcessHandle.current().pid() + " uid=0";
        assertEquals(1, recorded(List.of(), from(own)));
        assertEquals(0, recorded(List.of(), from(SOCKET + " pid=8 uid=0")));
    }
}
