package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LinuxClientTexts;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-AUD-1, 9P2000 and 9P2000.u): read(5) lets a directory be read only at 0 or where the last read ended,
 * and the gateway answers any other offset EINVAL. That refusal was thrown by the dialect's listing before the
 * choke point saw the request: the guest was told EINVAL and the log had no record of the Tread at all, so a guest
 * could probe (or a client bug repeat) directory reads that the audit trail never showed. Every answered Tread of a
 * directory must have one decision record whose errno is what the guest was told.
 */
class LegacyDirectoryOffsetRecordAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = Dialect.class,
            names = {"LEGACY", "U"})
    void aDirectoryReadAtAnOffsetNotAContinuationIsRecordedWithTheErrnoTheGuestIsTold(Dialect dialect)
            throws Exception {
        SignedLogs logs;
        Map<Integer, Long> sentOffsets;
        Map<Integer, RMessage> replies = new LinkedHashMap<>();
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(rig.policy.alphaSocket), 65536)) {
            logs = rig.logs;
            Path dir = Files.createDirectories(rig.policy.data.resolve("dir"));
            for (int i = 0; i < 5; i++) {
                Files.writeString(dir.resolve("entry-" + i), "x");
            }
            guest.version(65536, dialect.version());
            assertInstanceOf(
                    RMessage.Rattach.class,
                    guest.await(guest.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, dialect))));
            guest.walk(0, 1, "dir");
            guest.rpc(new TMessage.Topen(1, 0));
            // A first read that ends after one or two entries and its continuation, then offsets read(5) refuses:
            // inside the first reply, far past the end, and a small number such as a host cookie would be.
            Map<Integer, Long> offsets = new LinkedHashMap<>();
            long end = read(guest, 0, replies, offsets);
            assertTrue(end > 0, "the first read lists entries");
            read(guest, end, replies, offsets);
            for (long offset : List.of(1L, 100_000L, 3L)) {
                read(guest, offset, replies, offsets);
            }
            sentOffsets = offsets;
        }
        List<AuditRecord> records = logs.records();
        for (Map.Entry<Integer, RMessage> answered : replies.entrySet()) {
            List<AuditRecord> ofRead = records.stream()
                    .filter(r -> r.isDecision()
                            && "read".equals(r.op())
                            && answered.getKey().equals(r.tag()))
                    .toList();
            assertEquals(1, ofRead.size(), "one record of the Tread, tag " + answered.getKey() + ": " + ofRead);
            AuditRecord record = ofRead.getFirst();
            assertEquals(told(answered.getValue()), record.errno(), "the errno the guest was told: " + answered);
            assertEquals("/dir", record.path(), "the record names the directory read");
            assertTrue(
                    AuditRecord.hasDetailWord(record.detail(), "offset=" + sentOffsets.get(answered.getKey())),
                    "the record has the offset the guest sent: " + record.detail());
            assertTrue(AuditRecord.hasDetailWord(record.detail(), "action=readdir"), record.detail());
        }
        List<Integer> refused = replies.values().stream()
                .map(LegacyDirectoryOffsetRecordAttackTest::told)
                .toList();
        assertEquals(
                List.of(0, 0, Errno.EINVAL.code(), Errno.EINVAL.code(), Errno.EINVAL.code()),
                refused,
                "read(5): only 0 or where the last read ended");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** A Tread of fid 1 at {@code offset}, its reply kept by tag; returns where an answered read ended. */
    private static long read(P9Client guest, long offset, Map<Integer, RMessage> replies, Map<Integer, Long> offsets)
            throws Exception {
        PendingCall read = guest.send(new TMessage.Tread(1, offset, 200));
        RMessage reply = read.reply().get(60, TimeUnit.SECONDS);
        replies.put(read.tag(), reply);
        offsets.put(read.tag(), offset);
        try {
            return reply instanceof RMessage.Rread data ? offset + data.data().readableBytes() : offset;
        } finally {
            CodecBuffers.releasePayload(reply);
        }
    }

    /**
     * The errno the guest's client takes from a reply: 0 for an answer, .u's errno field, and for 9P2000 the errno
     * the Linux client derives from the text alone.
     */
    private static int told(RMessage reply) {
        return switch (reply) {
            case RMessage.RerrorU u -> u.errno().code();
            case RMessage.Rerror legacy -> {
                int errno = LinuxClientTexts.ERRNOS.getOrDefault(legacy.ename(), -1);
                assertTrue(errno > 0, "a text the Linux client knows: " + legacy.ename());
                yield errno;
            }
            default -> 0;
        };
    }
}
