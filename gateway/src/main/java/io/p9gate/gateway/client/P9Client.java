package io.p9gate.gateway.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.Direction;
import io.p9gate.gateway.codec.FrameDecoder;
import io.p9gate.gateway.codec.FrameEncoder;
import io.p9gate.gateway.codec.FrameLimit;
import io.p9gate.gateway.codec.PeerName;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import io.p9gate.gateway.codec.WireDialect;
import io.p9gate.gateway.net.Transports;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small 9P2000.L client over TCP or a Unix socket, built on the server's codec (it reads the replies of a 9P2000.u
 * or 9P2000 session too, for tests of those dialects; it encodes every request as .L and .u lay them out, so a
 * 9P2000 Tattach, which has no n_uname, must be sent with {@link #sendRaw}). Blocking
 * calls ({@link #rpc} and the typed helpers) may be made from many threads at once: each takes
 * its own tag, so requests are pipelined on the one connection. {@link #send} is the
 * asynchronous form. Used by tests, the compliance suite and load clients.
 *
 * <p>Errors: an Rlerror or Rerror reply throws {@link P9Exception} with the server's errno (for a 9P2000 Rerror,
 * the errno its text describes); a transport
 * failure throws {@link IOException}: {@link ConnectionClosedException} when the connection closed before the reply,
 * another {@code IOException} for a timeout, a malformed reply or a failed send.
 */
public final class P9Client implements AutoCloseable {
    public static final String VERSION = "9P2000.L";
    /** Tags in use at once; far above what a server serves concurrently, below the u16 space. */
    private static final int MAX_TAGS = 4096;

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Null when the caller shares its own event loop group between clients. */
    private final EventLoopGroup ownedGroup;

    private final Channel channel;
    private final FrameLimit limit;
    /** The dialect replies are read in: .L until a Tversion agrees on another. */
    private final WireDialect dialect;

    private final ReplyRouter router;
    /** One permit per tag a call may take; the router gives it back when the call ends. */
    private final Semaphore tags;

    private final AtomicInteger nextTag = new AtomicInteger();
    private volatile Duration timeout = DEFAULT_TIMEOUT;
    private volatile int msize;

    private P9Client(
            EventLoopGroup ownedGroup,
            Channel channel,
            FrameLimit limit,
            WireDialect dialect,
            ReplyRouter router,
            Semaphore tags) {
        this.ownedGroup = ownedGroup;
        this.dialect = dialect;
        this.tags = tags;
        this.channel = channel;
        this.limit = limit;
        this.router = router;
        this.msize = limit.max();
    }

    /**
     * Connects to an {@link java.net.InetSocketAddress} or a {@link UnixDomainSocketAddress}.
     * No Tversion is sent: call {@link #version} (or use {@link #open}).
     *
     * @param maxMsize the largest frame this client accepts before and offers in Tversion
     */
    public static P9Client connect(SocketAddress address, int maxMsize) throws IOException {
        EventLoopGroup group = Transports.newGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "p9client-io");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return connect(address, maxMsize, group, true);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * As {@link #connect(SocketAddress, int)}, on the caller's event loop group (from
     * {@link Transports#newGroup}), so that a load client with many connections needs few
     * threads. Closing the client leaves the group running.
     */
    public static P9Client connect(SocketAddress address, int maxMsize, EventLoopGroup shared) throws IOException {
        return connect(address, maxMsize, shared, false);
    }

    /**
     * Connects over mutual TLS ({@link ClientTls}), as a VM identified by its certificate would; returns once the
     * handshake is done. With TLS 1.3 the server checks the client's certificate after the client has finished
     * its side, so a refused certificate shows as a connection that closes at the first request.
     */
    public static P9Client connect(InetSocketAddress address, int maxMsize, io.netty.handler.ssl.SslContext tls)
            throws IOException {
        return connectTls(address, maxMsize, tls, new PipelineErrorHandler());
    }

    /**
     * As {@link #connect(InetSocketAddress, int, io.netty.handler.ssl.SslContext)} for a connection the server is
     * meant to refuse (an impostor's certificate): the refusal arrives as the handshake's or the first request's
     * failure, which the caller reports; the pipeline logs it at DEBUG, not as a WARNING line.
     */
    public static P9Client connectExpectingRefusal(
            InetSocketAddress address, int maxMsize, io.netty.handler.ssl.SslContext tls) throws IOException {
        return connectTls(address, maxMsize, tls, PipelineErrorHandler.refusalExpected());
    }

    private static P9Client connectTls(
            InetSocketAddress address, int maxMsize, io.netty.handler.ssl.SslContext tls, PipelineErrorHandler errors)
            throws IOException {
        EventLoopGroup group = Transports.newGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "p9client-io");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return connect(address, maxMsize, group, true, tls, errors);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static P9Client connect(SocketAddress address, int maxMsize, EventLoopGroup group, boolean owned)
            throws IOException {
        return connect(address, maxMsize, group, owned, null, new PipelineErrorHandler());
    }

    private static P9Client connect(
            SocketAddress address,
            int maxMsize,
            EventLoopGroup group,
            boolean owned,
            io.netty.handler.ssl.SslContext tls,
            PipelineErrorHandler errors)
            throws IOException {
        FrameLimit limit = new FrameLimit(maxMsize);
        WireDialect dialect = new WireDialect();
        Semaphore tags = new Semaphore(MAX_TAGS);
        ReplyRouter router = new ReplyRouter(tag -> tags.release());
        // Kept here: a server that closes at once (a refusal) may have the pipeline taken apart before it is looked at.
        AtomicReference<io.netty.handler.ssl.SslHandler> tlsHandler = new AtomicReference<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(address instanceof UnixDomainSocketAddress ? Transports.unixClient() : Transports.tcpClient())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PeerName.set(ch, "server " + address);
                        if (tls != null && address instanceof InetSocketAddress inet) {
                            tlsHandler.set(tls.newHandler(ch.alloc(), inet.getHostString(), inet.getPort()));
                            ch.pipeline().addLast("tls", tlsHandler.get());
                        }
                        ch.pipeline()
                                .addLast(
                                        new FrameDecoder(limit, Direction.REPLIES, dialect),
                                        new FrameEncoder(limit, Direction.REQUESTS),
                                        router,
                                        errors);
                    }
                });
        if (!(address instanceof UnixDomainSocketAddress)) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        ChannelFuture connected = bootstrap.connect(Transports.toNetty(address)).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            Throwable cause = connected.cause();
            // Some transports' failures carry no message (a missing unix socket): name the exception then.
            String why = cause.getMessage() != null
                    ? cause.getMessage()
                    : cause.getClass().getSimpleName();
            throw new IOException("cannot connect to " + address + ": " + why, cause);
        }
        if (tls != null) {
            var handshake = tlsHandler.get().handshakeFuture().awaitUninterruptibly();
            if (!handshake.isSuccess()) {
                connected.channel().close();
                throw new TlsHandshakeException(
                        "TLS handshake with " + address + " failed: "
                                + handshake.cause().getMessage(),
                        handshake.cause());
            }
        }
        return new P9Client(owned ? group : null, connected.channel(), limit, dialect, router, tags);
    }

    /** Connects and negotiates 9P2000.L with the given msize. */
    public static P9Client open(SocketAddress address, int msize) throws IOException, P9Exception {
        return negotiated(connect(address, msize), msize);
    }

    /** Connects over mutual TLS ({@link #connect(java.net.InetSocketAddress, int, io.netty.handler.ssl.SslContext)}) and negotiates 9P2000.L. */
    public static P9Client open(InetSocketAddress address, int msize, io.netty.handler.ssl.SslContext tls)
            throws IOException, P9Exception {
        return negotiated(connect(address, msize, tls), msize);
    }

    /** Sends Tversion on a fresh connection; closes it unless the server speaks 9P2000.L. */
    private static P9Client negotiated(P9Client client, int msize) throws IOException, P9Exception {
        try {
            RMessage.Rversion v = client.version(msize, VERSION);
            if (!VERSION.equals(v.version())) {
                throw new IOException("server does not speak " + VERSION + ": " + v.version());
            }
            return client;
        } catch (IOException | P9Exception | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** How long a blocking call waits for its reply. */
    public void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** The negotiated msize (the offered maximum before Tversion). */
    public int msize() {
        return msize;
    }

    /** The largest Tread/Twrite payload in this session. */
    public int iounit() {
        return msize - 4 - 1 - 2 - 4 - 8 - 4;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    // ---- generic ------------------------------------------------------------------------------

    /**
     * Sends a request without waiting. A Twrite's buffer is handed over (released once written).
     * Blocks only if {@value #MAX_TAGS} calls are already outstanding.
     */
    public PendingCall send(TMessage request) {
        CompletableFuture<RMessage> reply = new CompletableFuture<>();
        tags.acquireUninterruptibly();
        int tag;
        if (request instanceof TMessage.Tversion) {
            tag = Frame.NOTAG;
            if (!router.register(tag, reply)) {
                tags.release();
                CodecBuffers.releasePayload(request);
                reply.completeExceptionally(new IllegalStateException("a Tversion is already outstanding"));
                return new PendingCall(tag, named(request.type()), reply);
            }
        } else {
            tag = registerWithFreeTag(reply);
        }
        Frame frame = new Frame(tag, request);
        try {
            channel.eventLoop().execute(() -> write(frame));
        } catch (RejectedExecutionException e) {
            CodecBuffers.releasePayload(request);
            router.fail(tag, new IOException("client closed"));
        }
        return new PendingCall(tag, named(request.type()), reply);
    }

    /**
     * Sends bytes as they are, bypassing the encoder, and waits for a reply with {@code tag}: for
     * conformance probes that must send what this client would never encode (malformed bodies,
     * unknown types, sizes over msize). The buffer is handed over. The call fails with an
     * {@link IOException} if the server closes the connection instead of answering.
     */
    public PendingCall sendRaw(int tag, ByteBuf frame) {
        CompletableFuture<RMessage> reply = new CompletableFuture<>();
        tags.acquireUninterruptibly();
        if (!router.register(tag, reply)) {
            tags.release();
            frame.release();
            reply.completeExceptionally(new IllegalStateException("tag " + tag + " is already outstanding"));
            return new PendingCall(tag, "a raw frame", reply);
        }
        try {
            channel.eventLoop().execute(() -> {
                if (!channel.isActive()) {
                    frame.release();
                    router.fail(tag, new ConnectionClosedException("connection closed"));
                    return;
                }
                channel.writeAndFlush(frame).addListener(done -> {
                    if (!done.isSuccess()) {
                        router.fail(
                                tag,
                                ConnectionClosedException.ofFailedSend(
                                        "cannot send a raw frame", channel.isActive(), done.cause()));
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            frame.release();
            router.fail(tag, new IOException("client closed"));
        }
        return new PendingCall(tag, "a raw frame", reply);
    }

    private int registerWithFreeTag(CompletableFuture<RMessage> reply) {
        while (true) {
            int tag = Math.floorMod(nextTag.getAndIncrement(), Frame.NOTAG);
            if (router.register(tag, reply)) {
                return tag;
            }
        }
    }

    private void write(Frame frame) {
        if (!channel.isActive()) {
            CodecBuffers.releasePayload(frame.body());
            router.fail(frame.tag(), new ConnectionClosedException("connection closed"));
            return;
        }
        channel.writeAndFlush(frame).addListener(done -> {
            if (!done.isSuccess()) {
                router.fail(
                        frame.tag(),
                        ConnectionClosedException.ofFailedSend(
                                "cannot send " + frame.body().type(), channel.isActive(), done.cause()));
            }
        });
    }

    /** Sends a request and waits for its reply; Rlerror becomes a {@link P9Exception}. */
    public RMessage rpc(TMessage request) throws IOException, P9Exception {
        return await(send(request));
    }

    /** Waits for a sent call's reply; Rlerror becomes a {@link P9Exception}. */
    public RMessage await(PendingCall call) throws IOException, P9Exception {
        RMessage reply;
        try {
            reply = call.reply().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(noReply(call));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for tag " + call.tag());
        }
        return switch (reply) {
            case RMessage.Rlerror(Errno errno) ->
                throw new P9Exception(errno, "server answered Rlerror to tag " + call.tag());
            case RMessage.RerrorU(String ename, Errno errno) ->
                throw new P9Exception(errno, "server answered Rerror \"" + ename + "\" to tag " + call.tag());
            case RMessage.Rerror(String ename) ->
                throw new P9Exception(
                        Errno.described(ename), "server answered Rerror \"" + ename + "\" to tag " + call.tag());
            default -> reply;
        };
    }

    /** TVERSION as 9P names it: Tversion. */
    private static String named(MessageType type) {
        return type.name().charAt(0) + type.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    /** In plain words, with what to do: "no reply to tag 65535 within PT1M" told an operator neither. */
    private String noReply(PendingCall call) {
        String seconds = java.math.BigDecimal.valueOf(timeout.toMillis())
                .movePointLeft(3)
                .stripTrailingZeros()
                .toPlainString();
        return "no reply to " + call.request() + " (tag " + call.tag() + ") within " + seconds
                + " seconds: the server is stalled, overloaded or not a 9P"
                + " server; check that the address is the gateway's and what its log says, then try again";
    }

    private <R extends RMessage> R call(TMessage request, Class<R> expected) throws IOException, P9Exception {
        RMessage reply = rpc(request);
        if (!expected.isInstance(reply)) {
            CodecBuffers.releasePayload(reply);
            throw new IOException("expected " + expected.getSimpleName() + " but got " + reply.type());
        }
        return expected.cast(reply);
    }

    // ---- typed helpers ------------------------------------------------------------------------

    /**
     * Negotiates; on success (the server agrees to 9P2000.L, 9P2000.u or 9P2000) later frames are limited to the
     * returned msize and replies are read in that dialect.
     */
    public RMessage.Rversion version(int requestedMsize, String version) throws IOException, P9Exception {
        RMessage.Rversion reply = call(new TMessage.Tversion(requestedMsize, version), RMessage.Rversion.class);
        for (Dialect agreed : Dialect.values()) {
            if (agreed.version().equals(reply.version())) {
                // The replies that follow are read in the agreed dialect (9P2000 and .u answer errors with Rerror).
                dialect.set(agreed);
                msize = reply.msize();
                limit.set(reply.msize());
            }
        }
        return reply;
    }

    public Qid attach(int fid, String uname, String aname, int nUname) throws IOException, P9Exception {
        return call(new TMessage.Tattach(fid, TMessage.NOFID, uname, aname, nUname), RMessage.Rattach.class)
                .qid();
    }

    public List<Qid> walk(int fid, int newfid, String... names) throws IOException, P9Exception {
        return call(new TMessage.Twalk(fid, newfid, List.of(names)), RMessage.Rwalk.class)
                .qids();
    }

    public RMessage.Rlopen lopen(int fid, int flags) throws IOException, P9Exception {
        return call(new TMessage.Tlopen(fid, flags), RMessage.Rlopen.class);
    }

    public RMessage.Rlcreate lcreate(int fid, String name, int flags, int mode, int gid)
            throws IOException, P9Exception {
        return call(new TMessage.Tlcreate(fid, name, flags, mode, gid), RMessage.Rlcreate.class);
    }

    /** Reads up to {@code count} bytes (copied out of the reply, whose buffer is released). */
    public byte[] read(int fid, long offset, int count) throws IOException, P9Exception {
        ByteBuf data = call(new TMessage.Tread(fid, offset, count), RMessage.Rread.class)
                .data();
        try {
            return ByteBufUtil.getBytes(data);
        } finally {
            data.release();
        }
    }

    /** Writes {@code data} (at most {@link #iounit()} bytes per call); returns the count written. */
    public int write(int fid, long offset, byte[] data) throws IOException, P9Exception {
        return call(new TMessage.Twrite(fid, offset, Unpooled.wrappedBuffer(data)), RMessage.Rwrite.class)
                .count();
    }

    public void clunk(int fid) throws IOException, P9Exception {
        call(new TMessage.Tclunk(fid), RMessage.Rclunk.class);
    }

    public void remove(int fid) throws IOException, P9Exception {
        call(new TMessage.Tremove(fid), RMessage.Rremove.class);
    }

    public Attr getattr(int fid, long requestMask) throws IOException, P9Exception {
        return call(new TMessage.Tgetattr(fid, requestMask), RMessage.Rgetattr.class)
                .attr();
    }

    public void setattr(int fid, SetAttr attr) throws IOException, P9Exception {
        call(new TMessage.Tsetattr(fid, attr), RMessage.Rsetattr.class);
    }

    public List<DirEntry> readdir(int fid, long offset, int count) throws IOException, P9Exception {
        return call(new TMessage.Treaddir(fid, offset, count), RMessage.Rreaddir.class)
                .entries();
    }

    public Qid mkdir(int dfid, String name, int mode, int gid) throws IOException, P9Exception {
        return call(new TMessage.Tmkdir(dfid, name, mode, gid), RMessage.Rmkdir.class)
                .qid();
    }

    public Qid symlink(int fid, String name, String target, int gid) throws IOException, P9Exception {
        return call(new TMessage.Tsymlink(fid, name, target, gid), RMessage.Rsymlink.class)
                .qid();
    }

    public String readlink(int fid) throws IOException, P9Exception {
        return call(new TMessage.Treadlink(fid), RMessage.Rreadlink.class).target();
    }

    public void link(int dfid, int fid, String name) throws IOException, P9Exception {
        call(new TMessage.Tlink(dfid, fid, name), RMessage.Rlink.class);
    }

    public void renameat(int oldDirFid, String oldName, int newDirFid, String newName) throws IOException, P9Exception {
        call(new TMessage.Trenameat(oldDirFid, oldName, newDirFid, newName), RMessage.Rrenameat.class);
    }

    public void unlinkat(int dirFid, String name, int flags) throws IOException, P9Exception {
        call(new TMessage.Tunlinkat(dirFid, name, flags), RMessage.Runlinkat.class);
    }

    public StatFs statfs(int fid) throws IOException, P9Exception {
        return call(new TMessage.Tstatfs(fid), RMessage.Rstatfs.class).statfs();
    }

    public void fsync(int fid, boolean dataOnly) throws IOException, P9Exception {
        call(new TMessage.Tfsync(fid, dataOnly ? 1 : 0), RMessage.Rfsync.class);
    }

    /** Tflush: returns once the server has answered (after the flushed request's reply, if any). */
    public void flush(int oldTag) throws IOException, P9Exception {
        call(new TMessage.Tflush(oldTag), RMessage.Rflush.class);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
