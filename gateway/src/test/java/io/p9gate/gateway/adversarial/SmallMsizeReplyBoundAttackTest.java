package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-AUD-1, R-PROTO-2): a reply larger than the session's msize is replaced by EIO when it is encoded,
 * after its request's record said it was served, so the log and the guest disagree. Over the smallest msize the
 * gateway accepts, a guest drives every reply whose size it or the host can push: Rwalk of 16 qids, Rreaddir and a
 * 9P2000/.u directory read of the largest count over 255-byte names (three bytes a character), Rstat of such a name
 * (with .u's extension), Rgetattr, Rgetlock echoing a long client_id, Rerror texts. None may be replaced: each is
 * answered as recorded. (Symlink targets, the one field the host can make longer than msize, are bounded while the
 * request is served: LinkTargetTooLong, DialectRefusalsTest.)
 */
class SmallMsizeReplyBoundAttackTest {
    private static final int MSIZE = SessionSettings.MIN_MSIZE;
    /** 85 characters of three UTF-8 bytes: a 255-byte name, the longest an entry can have. */
    private static final String LONGEST_NAME = "\u20ac".repeat(85);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void everyReplyOverTheSmallestMsizeIsAnsweredAsRecorded(Dialect dialect) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Path wide = Files.createDirectories(share.resolve("wide"));
            for (int i = 0; i < 40; i++) {
                Files.writeString(wide.resolve(LONGEST_NAME.substring(1) + (char) ('A' + i % 26) + i / 26), "x");
            }
            Files.writeString(wide.resolve(LONGEST_NAME), "longest");
            List<String> deep = Collections.nCopies(16, "d");
            Files.createDirectories(share.resolve(String.join("/", deep)));
            Map<Integer, RMessage> replies = new LinkedHashMap<>();
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), MSIZE)) {
                assertEquals(MSIZE, guest.version(MSIZE, dialect.version()).msize());
                LegacyDialectBudgetAttackTest.attach(guest, dialect);
                Sweep sweep = new Sweep(guest, replies);
                sweep.send(new TMessage.Twalk(0, 1, deep)); // 16 qids
                sweep.send(new TMessage.Twalk(0, 2, List.of("wide")));
                sweep.send(new TMessage.Twalk(0, 3, List.of("wide", LONGEST_NAME)));
                sweep.send(new TMessage.Twalk(0, 4, List.of("nosuch"))); // an error's text
                if (dialect == Dialect.L) {
                    sweep.send(new TMessage.Tgetattr(3, Attr.GETATTR_ALL));
                    sweep.send(new TMessage.Tlopen(2, 0));
                    sweep.send(new TMessage.Treaddir(2, 0, Integer.MAX_VALUE));
                    sweep.send(new TMessage.Tlopen(3, 0));
                    sweep.send(new TMessage.Tgetlock(
                            3, LockConstants.LOCK_TYPE_RDLCK, 0, 0, 1, "c".repeat(255))); // the longest taken
                } else {
                    sweep.send(new TMessage.Tstat(3));
                    sweep.send(new TMessage.Tstat(2));
                    sweep.send(new TMessage.Topen(2, 0));
                    sweep.send(new TMessage.Tread(2, 0, Integer.MAX_VALUE));
                }
            }
            List<AuditEntry> records = gw.records;
            for (Map.Entry<Integer, RMessage> answered : replies.entrySet()) {
                RMessage reply = answered.getValue();
                Errno told = told(reply);
                assertNotEquals(Errno.EIO, told, "a reply replaced by EIO (over msize " + MSIZE + ")");
                List<AuditEntry> ofTag = records.stream()
                        .filter(r -> r.tag() == answered.getKey())
                        .toList();
                assertTrue(!ofTag.isEmpty(), "recorded: " + reply);
                AuditEntry last = ofTag.getLast();
                assertEquals(told, last.outcome().errno(), "the record says what the guest was told: " + reply);
            }
            List<Errno> told = replies.values().stream()
                    .map(SmallMsizeReplyBoundAttackTest::told)
                    .toList();
            List<Errno> expected = new ArrayList<>(Collections.nCopies(told.size(), (Errno) null));
            expected.set(3, Errno.ENOENT); // the walk to nosuch: an error's text
            assertEquals(expected, told, "every other request answered: " + replies.values());
        }
    }

    /** What the guest was told: null for an answer (as a record's outcome). */
    private static Errno told(RMessage reply) {
        return switch (reply) {
            case RMessage.Rlerror(Errno errno) -> errno;
            case RMessage.RerrorU u -> u.errno();
            case RMessage.Rerror legacy -> Errno.described(legacy.ename());
            default -> null;
        };
    }

    /** Sends requests one at a time, keeping each reply by its tag (the tag its record carries). */
    private record Sweep(P9Client guest, Map<Integer, RMessage> replies) {
        void send(TMessage request) throws Exception {
            PendingCall call = guest.send(request);
            RMessage reply = call.reply().get(60, TimeUnit.SECONDS);
            replies.put(call.tag(), reply);
            CodecBuffers.releasePayload(reply);
        }
    }
}
