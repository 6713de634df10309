package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.session.FakeHandler;
import io.p9gate.gateway.session.SessionSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The rule behind AcceptBacklogAttackTest, UnidentifiedAcceptBacklogAttackTest and VsockAcceptBacklogAttackTest
 * (R-ROB-2): every listener's connections take a bounded place on the accept thread ({@link PlaceGate}), whatever
 * its kind. A listener one VM owns takes that VM's; a {@code tls:} one, among those awaiting their handshake; a shared
 * one of any other kind is decided at accept, which its binder must be able to do ({@link ListenerBinder.KernelNamed}).
 * vsock had none of the three: its connections took their place on the shared loops.
 */
class EveryListenerTakesAPlaceTest {
    private static final long LOTS = 1_000_000;

    /** A sample of every kind but tls:, whose connections' VM only their handshake names. */
    private static final Map<Class<?>, ListenSpec> NAMED_AT_ACCEPT = Map.of(
            ListenSpec.Tcp.class, new ListenSpec.Tcp("127.0.0.1", 0),
            ListenSpec.Unix.class, new ListenSpec.Unix(Path.of("/run/p9gate/a.sock")),
            ListenSpec.Vsock.class, new ListenSpec.Vsock(5640));

    @Test
    void everyListenerKindButTlsIsDecidedAtAccept() {
        Set<Class<?>> kinds =
                Arrays.stream(ListenSpec.class.getPermittedSubclasses()).collect(Collectors.toSet());
        assertEquals(
                kinds.stream().filter(k -> k != ListenSpec.Tls.class).collect(Collectors.toSet()),
                NAMED_AT_ACCEPT.keySet(),
                "a new listener kind: decide where its connections take their place at accept (PlaceGate)");
        NAMED_AT_ACCEPT.forEach((kind, sample) ->
                assertInstanceOf(ListenerBinder.KernelNamed.class, ListenerBinder.of(sample), kind.getSimpleName()));
    }

    @Test
    void aSharedListenerWhoseConnectionsCouldTakeNoPlaceAtAcceptIsNotBound() {
        ListenSpec shared = new ListenSpec.Tcp("127.0.0.1", 0);
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        budgets.add("a", new Limits(1, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of());
        GatewayConfig config = new GatewayConfig(
                List.of(shared),
                new FakeHandler.Factory(),
                8192,
                1,
                SessionSettings.DEFAULT_MAX_OUTSTANDING,
                0,
                budgets);
        TcpBinder tcp = new TcpBinder((ListenSpec.Tcp) shared);
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> Gateway.start(config, (l, p) -> new PeerVerdict.Accepted("a"), s -> new IdentifiedLater(tcp))
                        .close());
        assertTrue(
                e.getMessage().contains("tcp:127.0.0.1:0: its connections could take no place at accept"),
                e.getMessage());
    }

    /** A binder that identifies its connections only on their loop. */
    private record IdentifiedLater(TcpBinder tcp) implements ForwardingBinder {
        @Override
        public TcpBinder delegate() {
            return tcp;
        }

        @Override
        public void identify(Channel connection, PeerIdentifier identifier, Consumer<String> accepted) {
            tcp.identify(connection, identifier, accepted);
        }
    }
}
