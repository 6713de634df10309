package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.server.HostAccounts;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.SameSocketFile;
import io.p9gate.policy.model.AccountNames;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SocketFile;
import io.p9gate.policy.model.VmPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listeners a policy names, as the gateway binds them (R-DEP-1): one per address, so VMs that share a TLS
 * listener or a vsock port share one socket; which VM a connection is, {@link PolicyPeers} decides.
 */
public final class PolicyListeners {
    private PolicyListeners() {}

    /**
     * @param tls the gateway's TLS certificate and key, or null when none was given
     * @throws IllegalArgumentException one line: a socket owner unknown on this host, a TLS listener without
     *                                  {@code tls}, no VM at all, or two VMs whose sockets are one file here
     */
    public static List<ListenSpec> of(PolicyEngine engine, ServerTls tls) {
        Map<String, ListenSpec> byBind = new LinkedHashMap<>();
        for (Map.Entry<String, ListenerSpec> e : engine.listeners().entrySet()) {
            ListenerSpec l = e.getValue();
            if (!byBind.containsKey(l.bindKey())) {
                byBind.put(l.bindKey(), listener(engine.policy().vms().get(e.getKey()), l, tls));
            }
        }
        if (byBind.isEmpty()) {
            throw new IllegalArgumentException("the policy names no VM, so there is nothing to listen for");
        }
        List<LintFinding> oneFile = SameSocketFile.in(engine.policy());
        if (!oneFile.isEmpty()) {
            throw new IllegalArgumentException(
                    oneFile.get(0).pos() + ": " + oneFile.get(0).message());
        }
        return List.copyOf(byBind.values());
    }

    /** Without a TLS certificate: a policy with a {@code tls:} listener is refused. */
    public static List<ListenSpec> of(PolicyEngine engine) {
        return of(engine, null);
    }

    private static ListenSpec listener(VmPolicy vm, ListenerSpec l, ServerTls tls) {
        return switch (l) {
            case ListenerSpec.UnixSocket unix -> new ListenSpec.Unix(unix.path(), access(vm, unix));
            case ListenerSpec.Tcp tcp -> new ListenSpec.Tcp(tcp.host(), tcp.port(), tcp.device());
            case ListenerSpec.Vsock vsock -> new ListenSpec.Vsock(vsock.port());
            case ListenerSpec.Tls t -> {
                if (tls == null) {
                    throw new IllegalArgumentException("VM '" + vm.id() + "' listens on " + l.describe()
                            + ": give the gateway's certificate with --tls-cert FILE --tls-key FILE");
                }
                yield new ListenSpec.Tls(t.host(), t.port(), tls);
            }
        };
    }

    /** What a bound listener is, in the terms of {@link ListenerSpec#bindKey()}: where policy and socket meet. */
    static String bindKey(ListenSpec listener) {
        return switch (listener) {
            case ListenSpec.Unix unix -> "unix:" + unix.path().normalize();
            case ListenSpec.Tcp tcp -> "inet:" + hostPort(tcp.host(), tcp.port());
            case ListenSpec.Tls tls -> "inet:" + hostPort(tls.host(), tls.port());
            case ListenSpec.Vsock vsock -> "vsock:" + Integer.toUnsignedString(vsock.port());
        };
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** An account unknown here is named with its place in the file and the field, to be corrected there. */
    private static ListenSpec.SocketAccess access(VmPolicy vm, ListenerSpec.UnixSocket unix) {
        SocketFile file = unix.socket();
        String what = ": VM '" + vm.id() + "' socket: ";
        int uid;
        try {
            uid = file.owner() == null ? ListenSpec.SocketAccess.KEEP : HostAccounts.uid(file.owner());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    AccountNames.or(unix.names().owner(), vm.pos()) + what + "owner: " + e.getMessage(), e);
        }
        try {
            return new ListenSpec.SocketAccess(
                    uid,
                    file.group() == null ? ListenSpec.SocketAccess.KEEP : HostAccounts.gid(file.group()),
                    file.mode());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    AccountNames.or(unix.names().group(), vm.pos()) + what + "group: " + e.getMessage(), e);
        }
    }
}
