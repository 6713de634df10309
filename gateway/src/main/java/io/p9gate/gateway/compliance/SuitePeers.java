package io.p9gate.gateway.compliance;

import io.p9gate.audit.DetailWords;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who the suite's own connections of a VM are to the gateway: the peers that the {@code session_attach} records of the
 * suite's sessions name (each session found by its hello walk), as the gateway sees them. A refused connection of the
 * VM whose peer is none of these is another client's (the live VM's): on a Unix socket another pid, on an address
 * ({@code tls:}, {@code tcp:}) another source address.
 *
 * <p>The pid is the one the gateway sees: from another PID namespace (a gateway in a container, or the suite in one)
 * it is not the one the suite knows itself by. Before, the suite compared refusals with its own pid and left all of its
 * own out there (a faithful gateway failed audit/records, UnrecordedAcceptCloseComplianceTest). Where the log shows no
 * session of the suite, its own pid stands in. And before, every refusal from an address counted, another VM's or
 * another client's too (RecordedClosesPeerTest).
 *
 * @param pids    the pids the suite's sessions were recorded with (a Unix socket's peer)
 * @param sources where the suite's sessions came from ({@link DetailWords#source}); empty when none was found
 */
record SuitePeers(Set<String> pids, Set<String> sources) {
    private static final String PID = "pid=";
    private static final String SOURCES = DetailWords.SOURCES;
    private static final String SOURCE = DetailWords.SOURCE;

    private static final Set<String> OWN_PID =
            Set.of(Long.toString(ProcessHandle.current().pid()));

    /** From the peer texts (the {@code peer=} word, unescaped) of the suite's own sessions of one VM. */
    static SuitePeers of(Collection<String> peers) {
        Set<String> pids = new HashSet<>();
        Set<String> sources = new HashSet<>();
        for (String peer : peers) {
            pid(peer).ifPresent(pids::add);
            sources.add(DetailWords.source(peer));
        }
        return new SuitePeers(pids.isEmpty() ? OWN_PID : Set.copyOf(pids), Set.copyOf(sources));
    }

    /** The peer text of a record's {@code detail}: its first {@code peer=} word (guest text cannot start one). */
    static Optional<String> peer(String detail) {
        return Optional.ofNullable(DetailWords.peerOf(detail));
    }

    /**
     * Whether the refusal whose detail is {@code detail} may be one of the suite's connections: its peer is the suite's
     * (the pid on a Unix socket, the source address otherwise), or, for a summary of several peers ({@code peer=varied}),
     * one of the sources it names is the suite's, or it does not name them all. A refusal naming no peer cannot be told.
     */
    boolean mayBe(String detail) {
        Optional<String> peer = peer(detail);
        if (peer.isEmpty()) {
            return true;
        }
        if (peer.get().equals("varied")) {
            return amongSources(detail);
        }
        Optional<String> pid = pid(peer.get());
        if (pid.isPresent()) {
            return pids.contains(pid.get());
        }
        return sources.isEmpty() || sources.contains(DetailWords.source(peer.get()));
    }

    /** {@code sources=N source=W…} of a summary (docs/audit-format.md): whether the suite's may be among them. */
    private boolean amongSources(String detail) {
        if (sources.isEmpty()) {
            return true;
        }
        int count = -1;
        Set<String> named = new HashSet<>();
        for (String word : detail.split(" ")) {
            if (word.startsWith(SOURCES)
                    && word.length() > SOURCES.length()
                    && word.length() < SOURCES.length() + 4
                    && word.substring(SOURCES.length()).chars().allMatch(Character::isDigit)) {
                count = Integer.parseInt(word.substring(SOURCES.length()));
            } else if (word.startsWith(SOURCE)) {
                named.add(DetailWords.text(word.substring(SOURCE.length())));
            }
        }
        return count < 0 || count > DetailWords.SOURCES_SHOWN || named.stream().anyMatch(sources::contains);
    }

    private static Optional<String> pid(String peer) {
        for (String word : peer.split(" ")) {
            if (word.startsWith(PID)) {
                return Optional.of(word.substring(PID.length()));
            }
        }
        return Optional.empty();
    }
}
