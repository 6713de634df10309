package io.p9gate.gateway.auditing;

import io.p9gate.audit.DetailWords;

/**
 * The word of a refusal's detail that names the peer it came from ({@link DetailWords#peer}): the first word starting
 * with {@code peer=}. Only the first: writers put it before any free text (a refused connection's {@code reason=}),
 * and what a guest chose is written as a {@link DetailWords#word}, whose {@code =} is escaped, so neither can pose
 * as it.
 */
final class PeerWord {
    static final String VARIED = DetailWords.PEER + "varied";

    private PeerWord() {}

    /** The peer word of {@code detail}, or null if it has none. */
    static String of(String detail) {
        String[] w = words(detail);
        int at = index(w);
        return at < 0 ? null : w[at];
    }

    /** {@code detail} without its peer word: what was asked, whoever asked it. */
    static String without(String detail) {
        String[] w = words(detail);
        int at = index(w);
        if (at < 0) {
            return detail;
        }
        String[] rest = new String[w.length - 1];
        System.arraycopy(w, 0, rest, 0, at);
        System.arraycopy(w, at + 1, rest, at, w.length - at - 1);
        return String.join(" ", rest);
    }

    /** {@code detail} with its peer word as {@code peer=varied}: a summary of refusals from several peers. */
    static String varied(String detail) {
        String[] w = words(detail);
        int at = index(w);
        if (at < 0) {
            return detail;
        }
        w[at] = VARIED;
        return String.join(" ", w);
    }

    /**
     * Where the peer of {@code detail} connected from: its peer's text up to its first space, without a port
     * ({@code 127.0.0.1:4711 cert …} and {@code tls:[::1]:4711} are {@code 127.0.0.1} and {@code tls:[::1]},
     * {@code unix:/run/a.sock pid=4 uid=0} is {@code unix:/run/a.sock}); null if it names none.
     */
    static String source(String detail) {
        String peer = DetailWords.peerOf(detail);
        return peer == null ? null : DetailWords.source(peer);
    }

    /** Whether word {@code i} is the peer word of both {@code x} and {@code y}. */
    static boolean bothAt(String[] x, String[] y, int i) {
        return index(x) == i && index(y) == i;
    }

    private static String[] words(String detail) {
        return detail == null ? new String[0] : detail.split(" ", -1);
    }

    private static int index(String[] words) {
        for (int i = 0; i < words.length; i++) {
            if (words[i].startsWith(DetailWords.PEER)) {
                return i;
            }
        }
        return -1;
    }
}
