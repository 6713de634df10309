package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.p9gate.gateway.net.Transports;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection whose peer credentials (SO_PEERCRED) or CID cannot be read is refused, and that refusal reaches the
 * identifier to be recorded in the audit log like every other transport refusal: before, it was only logged. A
 * pipe stands in for the socket, so reading either fails (ENOTSOCK).
 */
@SuppressWarnings("restricted") // dup2(2), to put a pipe where a socket was
class UnreadablePeerRecordedTest {
    private EventLoopGroup group;
    private final List<String> recorded = new ArrayList<>();
    private final List<String> accepted = new ArrayList<>();

    private final PeerIdentifier identifier = new PeerIdentifier() {
        @Override
        public PeerVerdict identify(ListenSpec listener, PeerFacts peer) {
            return new PeerVerdict.Accepted("a");
        }

        @Override
        public void refusedByTransport(ListenSpec listener, String peer, PeerVerdict.Refused refused) {
            recorded.add(refused.rule() + " " + listener.describe() + " peer=" + peer + ": " + refused.reason());
        }
    };

    @BeforeEach
    void group() {
        assumeTrue(Transports.nativeAvailable(), "needs Netty's native epoll transport");
        group = Transports.newGroup(1, Executors.defaultThreadFactory());
    }

    @AfterEach
    void shutdown() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /**
     * A registered connection whose descriptor is, by the time it is identified, one end of a pipe: dup2(2) puts
     * the pipe on the socket's number, as Netty checks the descriptor is a socket when the channel is made.
     */
    private Channel notASocket() throws Throwable {
        EpollDomainSocketChannel channel = new EpollDomainSocketChannel();
        FileDescriptor[] pipe = FileDescriptor.pipe();
        try {
            int rc = (int) DUP2.invokeExact(pipe[0].intValue(), channel.fd().intValue());
            assertEquals(channel.fd().intValue(), rc, "dup2");
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
        group.register(channel).sync();
        return channel;
    }

    private static final MethodHandle DUP2 = Linker.nativeLinker()
            .downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private void identified(ListenerBinder binder) throws Throwable {
        Channel connection = notASocket();
        group.submit(() -> binder.identify(connection, identifier, accepted::add))
                .get();
        connection.closeFuture().await(30, TimeUnit.SECONDS);
        assertFalse(connection.isOpen(), "the connection is closed");
        assertEquals(List.of(), accepted, "no VM is served");
    }

    @Test
    void unreadableCredentialsAreRecorded() throws Throwable {
        identified(new UnixBinder(new ListenSpec.Unix(Path.of("/run/p9gate/a.sock"))));
        assertEquals(1, recorded.size(), recorded.toString());
        assertTrue(
                recorded.getFirst()
                        .startsWith("identity.peer unix:/run/p9gate/a.sock peer=unknown: cannot read the peer's"
                                + " credentials"),
                recorded.getFirst());
    }

    @Test
    void anUnreadableCidIsRecorded() throws Throwable {
        identified(new VsockBinder(new ListenSpec.Vsock(5640)));
        assertEquals(1, recorded.size(), recorded.toString());
        assertTrue(
                recorded.getFirst().startsWith("identity.cid vsock:5640 peer=unknown: cannot read the peer's CID"),
                recorded.getFirst());
    }

    @Test
    void aPeerWhoseCredentialsCannotBeReadIsNamedByItsListener() throws Throwable {
        Channel connection = notASocket();
        ListenSpec.Unix listener = new ListenSpec.Unix(Path.of("/run/p9gate/a.sock"));
        assertEquals(
                listener.describe(),
                group.submit(() -> PeerNames.describe(connection, listener)).get(),
                "named before it is identified, which then refuses it");
        connection.close().sync();
    }
}
