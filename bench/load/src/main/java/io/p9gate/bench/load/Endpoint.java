package io.p9gate.bench.load;

import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where the load client connects, as {@code --server} names it: {@code HOST:PORT} (TCP), {@code unix:PATH}, or
 * {@code tls:HOST:PORT}, mutual TLS with a VM's certificate, so that the policy listeners a gateway serves VMs on can
 * be measured as they are.
 */
sealed interface Endpoint {

    /** Connects and negotiates 9P2000.L, offering {@code msize}. */
    P9Client open(int msize) throws IOException, P9Exception;

    /** TCP or a Unix socket. */
    record Plain(SocketAddress address) implements Endpoint {
        public P9Client open(int msize) throws IOException, P9Exception {
            return P9Client.open(resolved(address), msize);
        }
    }

    /** Mutual TLS 1.3 as the VM whose certificate and key these are; {@code ca} issued the gateway's certificate. */
    record Tls(InetSocketAddress address, Path certificate, Path key, Path ca) implements Endpoint {
        public P9Client open(int msize) throws IOException, P9Exception {
            return P9Client.open(resolved(address), msize, ClientTls.of(certificate, key, ca));
        }
    }

    /**
     * @param tls {@code --tls-cert}, {@code --tls-key}, {@code --tls-ca}: all three for a {@code tls:} server, none
     *            otherwise (null where not given)
     * @throws IllegalArgumentException with a one-line explanation
     */
    static Endpoint parse(String server, Path certificate, Path key, Path ca) {
        boolean anyTls = certificate != null || key != null || ca != null;
        if (server.startsWith("tls:")) {
            if (certificate == null || key == null || ca == null) {
                throw new IllegalArgumentException("a tls: server needs --tls-cert, --tls-key and --tls-ca");
            }
            return new Tls(hostPort(server.substring(4)), certificate, key, ca);
        }
        if (anyTls) {
            throw new IllegalArgumentException(
                    "--tls-cert, --tls-key and --tls-ca are for a tls: server, not '" + server + "'");
        }
        if (server.startsWith("unix:") && server.length() > 5) {
            return new Plain(UnixDomainSocketAddress.of(server.substring(5)));
        }
        return new Plain(hostPort(server));
    }

    /** {@code HOST:PORT}, IPv6 in brackets; unresolved, so that parsing never waits for a name service. */
    private static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--server wants HOST:PORT, not '" + text + "'");
        }
        int port = LoadOptions.positive("--server port", text.substring(colon + 1));
        if (port > 65535) {
            throw new IllegalArgumentException("--server port out of range: " + port);
        }
        String host = text.substring(0, colon).replaceAll("^\\[|]$", "");
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static SocketAddress resolved(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? resolved(inet) : address;
    }

    private static InetSocketAddress resolved(InetSocketAddress inet) {
        return new InetSocketAddress(inet.getHostString(), inet.getPort());
    }
}
