package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine;

/** {@code --share/--listen}: a development convenience, every request allowed. */
final class ShareServeMode implements ServeMode {
    private final CommandLine cli;
    private final Map<String, Path> shareMap;
    private final List<String> listens;
    private final ServeLimits limits;

    /** {@code shareMap} and {@code listens} as checked before anything is opened. */
    ShareServeMode(CommandLine cli, Map<String, Path> shareMap, List<String> listens, ServeLimits limits) {
        this.cli = cli;
        this.shareMap = shareMap;
        this.listens = listens;
        this.limits = limits;
    }

    @Override
    public Map<String, Path> shares() {
        return shareMap;
    }

    @Override
    public GatewayConfig config(AuditTrail trail) {
        try {
            List<ListenSpec> listeners = listens.stream().map(ListenSpec::parse).toList();
            return new GatewayConfig(
                    listeners,
                    new ShareServerFactory(shareMap, new AllowAll(), trail),
                    limits.msize(),
                    limits.workers(),
                    limits.maxOutstanding(),
                    limits.iounit());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
    }

    @Override
    public void loaded(AuditTrail trail) {}

    @Override
    public void started(Gateway gateway, GatewayConfig config) {
        PrintWriter out = cli.getOut();
        String shareList = shareMap.entrySet().stream()
                .map(e -> e.getKey() + " -> " + e.getValue())
                .collect(Collectors.joining(", "));
        List<SocketAddress> bound = gateway.boundAddresses();
        for (int i = 0; i < bound.size(); i++) {
            out.println("p9gate: listening on " + describe(config.listeners().get(i), bound.get(i)) + " (share"
                    + (shareMap.size() > 1 ? "s " : " ") + shareList + ")");
        }
        out.flush();
        PrintWriter err = cli.getErr();
        err.println("p9gate: WARNING: no policy is enforced; every client may read and write every share");
        err.flush();
    }

    @Override
    public String status() {
        return "serving " + String.join(", ", shareMap.keySet()) + " without a policy";
    }

    @Override
    public int vms() {
        return listens.size(); // without a policy, each listener is a VM of its own
    }

    @Override
    public Optional<Path> shareDir(String vm, String share) {
        return Optional.ofNullable(shareMap.get(share));
    }

    @Override
    public Map<String, Path> shareDirs() {
        return shareMap.entrySet().stream().collect(Collectors.toMap(e -> "share " + e.getKey(), Map.Entry::getValue));
    }

    /** The listener as given, with the actual port when the user asked for port 0. */
    private static String describe(ListenSpec listener, SocketAddress bound) {
        if (listener instanceof ListenSpec.Tcp tcp && bound instanceof InetSocketAddress inet) {
            return new ListenSpec.Tcp(tcp.host(), inet.getPort(), tcp.device()).describe();
        }
        return listener.describe();
    }
}
