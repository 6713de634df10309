package io.p9gate.gateway.wiring;

import io.p9gate.gateway.fs.SessionShares;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.ops.FileServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

/**
 * The sessions a factory opened that have not ended, by session id, with the share directories each was given and
 * which of them it attached: what a reload that takes a share away must find, since such a session keeps its fids,
 * open files and locks there until it ends. Opened and ended on workers, asked from the thread of a reload.
 */
final class LiveSessions {
    /**
     * @param served the directories the session was given, among which its attached names are found
     * @param files  the session's file server, whose locks a reload re-decides
     */
    private record Live(String vm, List<ShareDir> served, SessionShares shares, FileServer files) {
        boolean attachedAny(BiPredicate<String, ShareDir> gone) {
            Set<String> attached = shares.attached();
            return served.stream().anyMatch(dir -> attached.contains(dir.name()) && gone.test(vm, dir));
        }
    }

    private final Map<Long, Live> byId = new ConcurrentHashMap<>();

    void opened(long sessionId, String vm, List<ShareDir> served, SessionShares shares, FileServer files) {
        byId.put(sessionId, new Live(vm, List.copyOf(served), shares, files));
    }

    /** Whether it was the last session of its VM. */
    boolean ended(long sessionId) {
        Live gone = byId.remove(sessionId);
        return gone != null && byId.values().stream().noneMatch(l -> l.vm().equals(gone.vm()));
    }

    /** Whether no session is open. */
    boolean none() {
        return byId.isEmpty();
    }

    /**
     * Re-decides the locks of every session but those {@code closing} names ({@link FileServer#releaseLocksRefusedNow}),
     * one session at a time.
     *
     * @return how many files' locks were released
     */
    int releaseLocksRefusedNow(Set<Long> closing) {
        int released = 0;
        for (Map.Entry<Long, Live> e : byId.entrySet()) {
            if (!closing.contains(e.getKey())) {
                released += e.getValue().files().releaseLocksRefusedNow();
            }
        }
        return released;
    }

    /** The ids of the sessions that attached a directory {@code gone} names for their VM. */
    Set<Long> attachedAny(BiPredicate<String, ShareDir> gone) {
        return byId.entrySet().stream()
                .filter(e -> e.getValue().attachedAny(gone))
                .map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }
}
