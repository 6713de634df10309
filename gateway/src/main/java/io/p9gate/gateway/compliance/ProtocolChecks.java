package io.p9gate.gateway.compliance;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * 9P2000.L conformance of the VM's listener, each check on a connection of its own so that a check that
 * breaks a connection cannot disturb the others: version and msize negotiation (R-PROTO-1, R-PROTO-2),
 * malformed and unknown frames answered with an error while the server keeps serving (R-ROB-1), fid and tag
 * misuse refused (R-PROTO-3). These requests touch no file; none is a policy decision.
 */
final class ProtocolChecks {
    static final int SMALL_MSIZE = 8192;
    /** At least this much msize must be negotiable (R-PROTO-2). */
    static final int ONE_MIB = 1 << 20;
    /** Tags for raw frames, far from the ones the client picks itself. */
    private static final int RAW_TAG = 60000;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * A check's body: returns what was seen; throws {@link Failed} when the gateway answered wrongly (an
     * unexpected Rlerror or a lost connection fail the check too).
     */
    @FunctionalInterface
    private interface Body {
        String run() throws IOException, P9Exception, Failed;
    }

    private static final class Failed extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message);
        }
    }

    private final CheckLog log;
    private final VmTransport transport;
    private final String vm;
    /** A share this VM may attach, for the fid checks; null if none. */
    private final String share;
    /** The dialects the policy lets this VM's sessions negotiate (R-PROTO-7). */
    private final Set<Dialect> dialects;
    /** Why no new connection can be probed (the VM's limits.connections reached); empty while they are served. */
    private Optional<String> refusedAtAccept = Optional.empty();

    /** Tells a connection closed at accept for the VM's limits.connections from a wrong answer. */
    private final AcceptRefusal accept;

    ProtocolChecks(CheckLog log, VmTransport transport, VmPolicy vm, String share, AcceptRefusal accept) {
        this.log = log;
        this.transport = transport;
        this.accept = accept;
        this.vm = vm.id();
        this.share = share;
        this.dialects = vm.dialects();
    }

    /** All skipped where new connections are closed at accept ({@link AcceptRefusal#now}). */
    void run() {
        this.refusedAtAccept = accept.now();
        check(
                "version",
                "R-PROTO-1",
                "Tversion 9P2000.L is answered 9P2000.L with msize <= the offer",
                "Tversion msize " + SMALL_MSIZE + " \"9P2000.L\"",
                "Rversion \"9P2000.L\", msize <= " + SMALL_MSIZE,
                () -> {
                    try (P9Client c = connect()) {
                        RMessage.Rversion v = c.version(SMALL_MSIZE, P9Client.VERSION);
                        require(
                                P9Client.VERSION.equals(v.version()) && v.msize() <= SMALL_MSIZE && v.msize() >= 4096,
                                "Rversion \"" + v.version() + "\" msize " + v.msize());
                        return "Rversion \"" + v.version() + "\" msize " + v.msize();
                    }
                });
        check(
                "version-unknown",
                "R-PROTO-1",
                "an unknown protocol version is answered \"unknown\"",
                // Not 9P2000.X: version(5) reads that as plain 9P2000, a dialect the gateway speaks (R-PROTO-7).
                "Tversion \"9P1999-p9gate-compliance\"",
                "Rversion \"unknown\"",
                () -> {
                    try (P9Client c = connect()) {
                        RMessage.Rversion v = c.version(SMALL_MSIZE, "9P1999-p9gate-compliance");
                        require("unknown".equals(v.version()), "Rversion \"" + v.version() + "\"");
                        return "Rversion \"unknown\"";
                    }
                });
        dialects();
        check(
                "msize",
                "R-PROTO-2",
                "an msize of at least 1 MiB is negotiated when offered",
                "Tversion msize " + (2 * ONE_MIB),
                "Rversion msize between 1 MiB and the offer",
                () -> {
                    try (P9Client c = connect()) {
                        RMessage.Rversion v = c.version(2 * ONE_MIB, P9Client.VERSION);
                        require(v.msize() >= ONE_MIB && v.msize() <= 2 * ONE_MIB, "Rversion msize " + v.msize());
                        return "Rversion msize " + v.msize();
                    }
                });
        check(
                "before-version",
                "R-PROTO-1",
                "a file request before Tversion is refused, then Tversion works",
                "Tattach before Tversion",
                "Rlerror, then Rversion",
                () -> {
                    try (P9Client c = connect()) {
                        Errno e = refused(c, new TMessage.Tattach(1, TMessage.NOFID, "p9gate-compliance", "", 0));
                        c.version(SMALL_MSIZE, P9Client.VERSION);
                        return "Rlerror " + e + ", then Rversion";
                    }
                });
        check(
                "unknown-type",
                "R-PROTO-1",
                "unknown and legacy message types get EOPNOTSUPP and the session goes on",
                "type 200, then Topen (9P2000, type 112)",
                "Rlerror EOPNOTSUPP twice, then Rflush",
                () -> {
                    try (P9Client c = negotiated()) {
                        Errno unknown = rawRefused(c, 200, Unpooled.EMPTY_BUFFER);
                        Errno legacy = rawRefused(
                                c, 112, Unpooled.buffer().writeIntLE(0).writeByte(0));
                        require(
                                unknown == Errno.EOPNOTSUPP && legacy == Errno.EOPNOTSUPP,
                                "Rlerror " + unknown + " and " + legacy);
                        stillServing(c);
                        return "Rlerror EOPNOTSUPP twice, then Rflush";
                    }
                });
        check(
                "malformed-body",
                "R-ROB-1",
                "a Twalk whose body is cut short is refused and the session goes on",
                "Twalk nwname 2 with one name",
                "Rlerror, then Rflush",
                () -> {
                    try (P9Client c = negotiated()) {
                        ByteBuf body =
                                Unpooled.buffer().writeIntLE(0).writeIntLE(1).writeShortLE(2);
                        byte[] name = "a".getBytes(StandardCharsets.UTF_8);
                        body.writeShortLE(name.length).writeBytes(name);
                        Errno e = rawRefused(c, MessageType.TWALK.code(), body);
                        stillServing(c);
                        return "Rlerror " + e + ", then Rflush";
                    }
                });
        check(
                "oversized-frame",
                "R-PROTO-2",
                "a frame over the negotiated msize is refused cleanly and the "
                        + "gateway keeps serving new connections",
                "frame of " + (4 * SMALL_MSIZE) + " bytes after msize " + SMALL_MSIZE,
                "Rlerror or the connection closed; a new session works",
                () -> brokenFrame(Unpooled.buffer()
                        .writeIntLE(4 * SMALL_MSIZE)
                        .writeByte(MessageType.TWRITE.code())
                        .writeShortLE(RAW_TAG)
                        .writeZero(64)));
        check(
                "undersized-frame",
                "R-ROB-1",
                "a frame shorter than its header is refused cleanly and the gateway " + "keeps serving new connections",
                "size field 3",
                "the connection closed; a new session works",
                () -> brokenFrame(Unpooled.buffer().writeIntLE(3).writeZero(8)));
        check(
                "flush-idle",
                "R-PROTO-3",
                "Tflush of a tag not in use is answered Rflush",
                "Tflush oldtag 777",
                "Rflush",
                () -> {
                    try (P9Client c = negotiated()) {
                        c.flush(777);
                        return "Rflush";
                    }
                });
        if (share == null) {
            for (String id : List.of("fid-unknown", "fid-in-use", "fid-clunked")) {
                add(id, "R-PROTO-3", "fid misuse: " + id, "", "", Status.SKIPPED, "", "this VM may attach no share");
            }
            return;
        }
        check(
                "fid-unknown",
                "R-PROTO-3",
                "a request on a fid never attached is refused",
                "Tgetattr fid 4242",
                "Rlerror",
                () -> {
                    try (P9Client c = negotiated()) {
                        return "Rlerror " + refused(c, new TMessage.Tgetattr(4242, 0x7ff));
                    }
                });
        check(
                "fid-in-use",
                "R-PROTO-3",
                "Tattach and Twalk to a fid already in use are refused",
                "Tattach fid 1 twice; Twalk to newfid 2 twice",
                "Rlerror for each second one",
                () -> {
                    try (P9Client c = negotiated()) {
                        c.attach(1, "p9gate-compliance", share, 0);
                        Errno again =
                                refused(c, new TMessage.Tattach(1, TMessage.NOFID, "p9gate-compliance", share, 0));
                        c.walk(1, 2);
                        Errno walk = refused(c, new TMessage.Twalk(1, 2, List.of()));
                        return "Rlerror " + again + " and " + walk;
                    }
                });
        check(
                "fid-clunked",
                "R-PROTO-3",
                "a clunked fid can no longer be used",
                "Tclunk fid 2, then Tgetattr and " + "Tclunk of it",
                "Rlerror for both",
                () -> {
                    try (P9Client c = negotiated()) {
                        c.attach(1, "p9gate-compliance", share, 0);
                        c.walk(1, 2);
                        c.clunk(2);
                        Errno use = refused(c, new TMessage.Tgetattr(2, 0x7ff));
                        Errno twice = refused(c, new TMessage.Tclunk(2));
                        return "Rlerror " + use + " and " + twice;
                    }
                });
    }

    /**
     * Each dialect on a connection of its own: one the VM's {@code dialects:} lists is agreed to, any other is
     * answered "unknown" (R-PROTO-7). 9P2000.L is the listener check's.
     */
    private void dialects() {
        for (Dialect d : Dialect.values()) {
            if (d == Dialect.L) {
                continue;
            }
            boolean listed = dialects.contains(d);
            String answer = listed ? d.version() : "unknown";
            check(
                    "dialect-" + d.policyName(),
                    "R-PROTO-7",
                    "Tversion \"" + d.version() + "\" is answered as the VM's dialects: "
                            + (listed ? "list it" : "leave it out"),
                    "Tversion msize " + SMALL_MSIZE + " \"" + d.version() + "\"",
                    "Rversion \"" + answer + "\"",
                    () -> {
                        try (P9Client c = connect()) {
                            RMessage.Rversion v = c.version(SMALL_MSIZE, d.version());
                            require(answer.equals(v.version()), "Rversion \"" + v.version() + "\"");
                            return "Rversion \"" + answer + "\"";
                        }
                    });
        }
    }

    private void check(String slug, String requirement, String title, String request, String expected, Body body) {
        if (refusedAtAccept.isPresent()) {
            add(slug, requirement, title, request, expected, Status.SKIPPED, "", refusedAtAccept.get());
            return;
        }
        Status status;
        String seen = "";
        String message = "";
        for (int tried = 1; ; tried++) {
            try {
                seen = body.run();
                status = Status.PASSED;
            } catch (Failed e) {
                status = Status.FAILED;
                seen = e.getMessage();
            } catch (IOException | P9Exception | RuntimeException e) {
                if (accept.again(e, tried)) {
                    continue;
                }
                status = Status.FAILED;
                message = e.getMessage() != null ? e.getMessage() : e.toString();
                seen = "error";
            }
            break;
        }
        add(slug, requirement, title, request, expected, status, seen, message);
    }

    private void add(
            String slug,
            String requirement,
            String title,
            String request,
            String expected,
            Status status,
            String seen,
            String message) {
        log.add(new CheckResult(
                vm + "/protocol/" + slug,
                vm,
                null,
                requirement,
                title,
                status,
                request,
                expected,
                seen,
                message,
                List.of()));
    }

    private P9Client connect() throws IOException {
        P9Client c = transport.connect(4 * ONE_MIB);
        c.timeout(TIMEOUT);
        return c;
    }

    private P9Client negotiated() throws IOException, P9Exception {
        P9Client c = connect();
        try {
            c.version(SMALL_MSIZE, P9Client.VERSION);
            return c;
        } catch (IOException | P9Exception | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static void require(boolean ok, String seen) throws Failed {
        if (!ok) {
            throw new Failed(seen);
        }
    }

    /** The errno of the Rlerror the request must get. */
    private static Errno refused(P9Client c, TMessage request) throws IOException, Failed {
        try {
            RMessage reply = c.rpc(request);
            throw new Failed("answered " + reply.type() + ", not Rlerror");
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    private static Errno rawRefused(P9Client c, int type, ByteBuf body) throws IOException, Failed {
        ByteBuf frame = Unpooled.buffer()
                .writeIntLE(7 + body.readableBytes())
                .writeByte(type)
                .writeShortLE(RAW_TAG)
                .writeBytes(body);
        body.release();
        try {
            RMessage reply = c.await(c.sendRaw(RAW_TAG, frame));
            throw new Failed("type " + type + " answered " + reply.type() + ", not Rlerror");
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    /** The session still answers: a Tflush of an idle tag is Rflush. */
    private static void stillServing(P9Client c) throws IOException, Failed {
        try {
            c.flush(778);
        } catch (P9Exception e) {
            throw new Failed("the session no longer serves: Tflush answered Rlerror " + e.errno());
        }
    }

    /**
     * Sends a frame that cannot be trusted; the connection may be closed or answered Rlerror, never served.
     * Then a new connection must negotiate: the gateway kept serving.
     */
    private String brokenFrame(ByteBuf frame) throws IOException, P9Exception, Failed {
        String first;
        try (P9Client c = negotiated()) {
            try {
                RMessage reply = c.await(c.sendRaw(RAW_TAG, frame));
                throw new Failed("answered " + reply.type());
            } catch (P9Exception e) {
                first = "Rlerror " + e.errno();
            } catch (IOException e) {
                if (c.isOpen()) {
                    throw new Failed("no answer, and the connection stays open: " + e.getMessage());
                }
                first = "connection closed";
            }
        }
        try (P9Client again = negotiated()) {
            return first + "; a new session negotiated msize " + again.msize();
        }
    }
}
