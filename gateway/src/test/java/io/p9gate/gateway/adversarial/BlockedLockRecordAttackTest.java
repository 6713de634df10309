package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_BLOCKED;
import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team of issue 8 item 7 (a record that lies about what happened, R-AUD-1): a Tlock that conflicts with another
 * session's lock is answered LOCK_BLOCKED (the Linux client gives EAGAIN or retries), but it is recorded as a change
 * before the call and nothing followed, so the trail showed the lock as taken: a reviewer asking who held the file
 * saw both sessions. A lock that was not taken gets an outcome record with EAGAIN.
 */
class BlockedLockRecordAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aBlockedLockIsNotRecordedAsTaken(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client holder = gw.alpha();
                P9Client contender = gw.alpha()) {
            for (P9Client c : List.of(holder, contender)) {
                c.attach(0, "u", "data", 0);
                c.walk(0, 1, "f");
                c.lopen(1, 2);
            }
            assertEquals(LOCK_SUCCESS, lock(holder));
            List<AuditEntry> taken = locks(gw);
            assertEquals(1, taken.size(), "one intent record, no outcome: " + taken);

            assertEquals(LOCK_BLOCKED, lock(contender));
            List<AuditEntry> blocked = locks(gw).subList(1, locks(gw).size());
            assertEquals(
                    List.of(RecordPhase.INTENT, RecordPhase.OUTCOME),
                    blocked.stream().map(AuditEntry::phase).toList(),
                    "recorded: " + blocked);
            assertEquals(Errno.EAGAIN, blocked.getLast().outcome().errno());
        }
    }

    private static int lock(P9Client c) throws Exception {
        return ((RMessage.Rlock) c.rpc(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 7, "guest"))).status();
    }

    private static List<AuditEntry> locks(ChokePointGateway gw) {
        return gw.trail.decisions.stream()
                .filter(e -> e.request().operation() == Operation.LOCK)
                .toList();
    }
}
