package io.p9gate.audit;

/**
 * Guest-chosen text (a name walked, a {@code to=} path, a symlink target, an xattr name) as one word of a record's
 * {@code detail}, whose words the writer separates with spaces and names with {@code key=}. Raw, such text could
 * hold a space and a word the writer appends itself ({@code phase=outcome intent=N}, {@code paths=varied}), and a
 * reader could not tell them apart. So {@code %}, space and {@code =} are written as {@code %25}, {@code %20} and
 * {@code %3d} (one way each: the word reads back exactly); every other character is kept (the JSON escapes what is
 * not printable ASCII).
 */
public final class DetailWords {
    private DetailWords() {}

    /** {@code text} as one word; text without {@code %}, space or {@code =} is returned as it is. */
    public static String word(String text) {
        if (text.indexOf('%') < 0 && text.indexOf(' ') < 0 && text.indexOf('=') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '%' -> out.append("%25");
                case ' ' -> out.append("%20");
                case '=' -> out.append("%3d");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** What starts the word naming a refused connection's peer ({@link #peer}). */
    public static final String PEER = "peer=";

    /**
     * The peer a refusal came from (a socket's pid and uid, an address and port) as the word {@code peer=WORD}: one
     * word, so the refusal budget can tell it from what the peer asked, and count a VM reconnecting from a new port
     * each time as repeats of one refusal.
     */
    public static String peer(String peer) {
        return PEER + word(peer);
    }

    /**
     * The words a summary of refusals from several peers names them with (docs/audit-format.md, "Refusal budget"):
     * {@code sources=N}, then {@code source=WORD} for each of the first {@link #SOURCES_SHOWN}; written by the
     * gateway's refusal budget, read by the compliance suite.
     */
    public static final String SOURCES = "sources=";

    public static final String SOURCE = "source=";
    public static final int SOURCES_SHOWN = 4;

    /**
     * The peer text of {@code detail} (its first {@link #PEER} word, unescaped), or null if it names none: only the
     * first, since the writers put it before any free text and a guest's text cannot start one ({@link #word}).
     */
    public static String peerOf(String detail) {
        if (detail == null) {
            return null;
        }
        for (String w : detail.split(" ")) {
            if (w.startsWith(PEER)) {
                return text(w.substring(PEER.length()));
            }
        }
        return null;
    }

    /**
     * Where a peer connected from: its text ({@link #text} of the word after {@link #PEER}) up to its first space,
     * without a port ({@code 127.0.0.1:4711 cert …} and {@code tls:[::1]:4711} are {@code 127.0.0.1} and
     * {@code tls:[::1]}, {@code unix:/run/a.sock pid=4 uid=0} is {@code unix:/run/a.sock}): what a refusal summary's
     * {@code source=} words name (docs/audit-format.md, "Refusal budget").
     */
    public static String source(String peer) {
        int space = peer.indexOf(' ');
        String where = space < 0 ? peer : peer.substring(0, space);
        int colon = where.lastIndexOf(':');
        boolean port = colon > 0
                && colon < where.length() - 1
                && where.substring(colon + 1).chars().allMatch(c -> c >= '0' && c <= '9');
        return port ? where.substring(0, colon) : where;
    }

    /** The text {@link #word} was given; any other {@code %} sequence (an older log's raw text) is kept as it is. */
    public static String text(String word) {
        if (word.indexOf('%') < 0) {
            return word;
        }
        StringBuilder out = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); i++) {
            String next = word.startsWith("%", i) && i + 3 <= word.length() ? word.substring(i, i + 3) : "";
            switch (next) {
                case "%25" -> out.append('%');
                case "%20" -> out.append(' ');
                case "%3d" -> out.append('=');
                default -> {
                    out.append(word.charAt(i));
                    continue;
                }
            }
            i += 2;
        }
        return out.toString();
    }
}
