package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 11, issue 12 item 7: an unexpected RuntimeException (a bug in the gateway, the policy engine or the
 * audit trail) became an EIO nobody heard of. docs/protocol.md promises a logged stack trace: exactly one ERROR
 * line per fault, with the request type, VM and tag, and none for ordinary failures (a P9Exception).
 */
class UnexpectedFaultLogTest {
    private static final Logger GATEWAY_LOG = Logger.getLogger("io.p9gate.gateway");

    /** Keeps what reaches the gateway's loggers at SEVERE (System.Logger's ERROR). */
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();

    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @TempDir
    Path tmp;

    Path share;

    /** Fails with a RuntimeException where {@code faulty} says; everything else is allowed and kept. */
    private volatile String faulty = "";

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        GATEWAY_LOG.addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        GATEWAY_LOG.removeHandler(capture);
    }

    private final AccessPolicy policy = request -> {
        if (faulty.equals("policy")) {
            throw new IllegalStateException("engine bug");
        }
        return Decision.allow(List.of("test"));
    };

    private final AuditTrail trail = new AuditTrail() {
        @Override
        public long record(AuditEntry entry) {
            if (faulty.equals("record")) {
                throw new IllegalStateException("trail bug");
            }
            return NO_SEQ;
        }

        @Override
        public boolean writable() {
            if (faulty.equals("writable")) {
                throw new IllegalStateException("trail state bug");
            }
            return true;
        }
    };

    private Errno fails(RequestHandler session, int tag, FileRequest request) {
        return assertThrows(P9Exception.class, () -> session.handle(tag, request))
                .errno();
    }

    @Test
    void anUnexpectedFaultIsLoggedOnceWithItsStackTraceRequestVmAndTag() throws Exception {
        try (ShareServerFactory factory = new ShareServerFactory(Map.of("share", share), policy, trail);
                RequestHandler session = factory.open(new ConnectionContext("vm-faulty", "test", 7, 65536))) {
            session.handle(1, new TMessage.Tattach(0, TMessage.NOFID, "u", "share", 0));
            int tag = 40;
            for (String where : List.of("writable", "record", "policy")) {
                faulty = where;
                errors.clear();
                assertEquals(Errno.EIO, fails(session, tag, new TMessage.Tgetattr(0, 0x3fff)), where);
                assertEquals(
                        1,
                        errors.size(),
                        where + ": one ERROR line, got "
                                + errors.stream().map(LogRecord::getMessage).toList());
                LogRecord line = errors.getFirst();
                assertNotNull(line.getThrown(), where + ": with the stack trace");
                String text = line.getMessage().toLowerCase(Locale.ROOT);
                assertTrue(
                        text.contains("getattr") && text.contains("vm-faulty") && text.contains("tag " + tag),
                        where + ": names the request type, the VM and the tag: " + line.getMessage());
                tag++;
            }
            faulty = "";
            errors.clear();
            assertEquals(Errno.ENOENT, fails(session, tag, new TMessage.Twalk(0, 1, List.of("missing"))));
            assertEquals(List.of(), errors, "an ordinary failure is no ERROR");
        }
    }
}
