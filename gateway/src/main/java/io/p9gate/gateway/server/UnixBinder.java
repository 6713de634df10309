package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.p9gate.gateway.net.Transports;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Unix socket: a stale socket file is cleared before bind; the socket is bound in a private staging
 * directory next to its path, gets its owner, group and mode there, and only then is linked into place
 * ({@link UnixSocketFiles#stage}), so it never sits at its path with a looser mode. A connection is identified by
 * its peer's credentials (SO_PEERCRED: the process that connected, as the kernel saw it at connect(2)).
 */
final class UnixBinder implements ListenerBinder.KernelNamed {
    private final ListenSpec.Unix spec;
    private boolean bound;
    /**
     * The private directory the socket is bound in, kept (empty once the socket is linked into place) until the
     * server channel is closed; null before configure and after {@link #unbound}.
     */
    private Path staging;
    /** The identity of the directory at {@link #staging}, as this listener made it; null when it is not known. */
    private Object stagingKey;
    /** The identity of the socket file this listener put at its path; null before. */
    private volatile Object published;

    UnixBinder(ListenSpec.Unix spec) {
        this.spec = spec;
    }

    @Override
    public void configure(ServerBootstrap bootstrap) throws IOException {
        UnixSocketFiles.checkLength(spec.path());
        bootstrap.channel(Transports.unixServer());
        UnixSocketFiles.prepare(spec.path());
        staging = UnixSocketFiles.stage(spec.path());
        stagingKey = UnixSocketFiles.fileKey(staging);
    }

    @Override
    public SocketAddress address() {
        return new DomainSocketAddress(UnixSocketFiles.staged(staging).toString());
    }

    @Override
    public void bound(Channel server) throws IOException {
        Path staged = UnixSocketFiles.staged(staging);
        try {
            UnixSocketFiles.restrictGroupAndMode(staged, spec.access());
            UnixSocketFiles.publish(staged, spec.path());
            published = UnixSocketFiles.fileKey(staged); // the staging name: the same inode, out of others' reach
            try {
                UnixSocketFiles.giveToOwner(staged, spec.access());
            } catch (IOException | RuntimeException e) {
                UnixSocketFiles.removeQuietly(spec.path());
                throw e;
            }
            bound = true;
        } finally {
            // The directory stays until the server channel is closed (unbound): closing it unlinks the path it was
            // bound at, which any local user reads in /proc/net/unix, and a name freed here could be taken by
            // another user of a shared directory (a symbolic link to a directory of their choice).
            UnixSocketFiles.removeQuietly(staged);
        }
    }

    @Override
    public SocketAddress boundAddress(Channel server) {
        return UnixDomainSocketAddress.of(spec.path());
    }

    @Override
    public void closing() {
        if (staging != null) {
            stagingKey = UnixSocketFiles.reclaim(staging, stagingKey);
        }
    }

    @Override
    public void unbound() {
        if (staging != null) {
            UnixSocketFiles.unstage(staging, stagingKey); // after the server channel's close, or the bind failed
            staging = null;
        }
        if (bound && socketFileLost().isEmpty()) {
            UnixSocketFiles.removeQuietly(spec.path()); // only the socket it put there, never what replaced it
        }
    }

    /**
     * Why no client can reach this listener by its path any more, if so: the socket file it put there was deleted
     * or replaced (connect(2) finds a listener by the inode at the path). Empty while it is there.
     */
    Optional<String> socketFileLost() {
        return SocketFileWatch.lostAt(spec.path(), published);
    }

    @Override
    public ListenSpec.Unix spec() {
        return spec;
    }

    @Override
    public Decided decide(Channel connection, PeerIdentifier identifier) {
        return ListenerBinder.decideBy(
                spec,
                identifier,
                () -> {
                    PeerCredentials cred = ((EpollDomainSocketChannel) connection).peerCredentials();
                    int[] gids = cred.gids();
                    return new PeerFacts.Unix(cred.pid(), cred.uid(), gids.length > 0 ? gids[0] : -1);
                },
                PeerIdentifier.RULE_PEER,
                "credentials");
    }
}
