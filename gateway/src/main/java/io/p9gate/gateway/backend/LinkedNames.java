package io.p9gate.gateway.backend;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name each file last got from a Tlink in one share (or a rename through the gateway since), by inode: where a handle whose own name was removed may be
 * found (a program links its file elsewhere, unlinks the name it opened it by and writes on; the Linux client's
 * cached writes go out later through a fid of that name). Only a hint: it is used only after a confined lookup finds
 * the same inode there, so a stale or evicted entry places nothing and the handle stays {@link RemovedName}.
 */
final class LinkedNames {
    /** Files remembered per share; the oldest is forgotten first, which only costs its handles their place. */
    static final int MOST = 1024;
    /** Longest path remembered, in chars (a guest chooses its depth): a few MiB at most per share. */
    static final int LONGEST = 1024;

    private final Map<FileKey, String> byFile = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FileKey, String> eldest) {
            return size() > MOST;
        }
    };

    synchronized void linked(FileKey file, String path) {
        if (path.length() <= LONGEST) {
            byFile.put(file, path);
        }
    }

    /** A file remembered here was renamed to {@code path}: looked for there (one not remembered stays so). */
    synchronized void renamed(FileKey file, String path) {
        if (path.length() <= LONGEST) {
            byFile.computeIfPresent(file, (k, before) -> path);
        } else {
            byFile.remove(file);
        }
    }

    /**
     * The entry at share path {@code from} was renamed by name to {@code to} (null: a place that cannot be named):
     * a file remembered at {@code from}, or beneath it (a directory renamed), is looked for there.
     */
    synchronized void renamedFrom(String from, String to) {
        String beneath = from + "/";
        for (var it = byFile.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<FileKey, String> e = it.next();
            String path = e.getValue();
            if (path.equals(from) || path.startsWith(beneath)) {
                String moved = to == null ? null : to + path.substring(from.length());
                if (moved == null || moved.length() > LONGEST) {
                    it.remove();
                } else {
                    e.setValue(moved);
                }
            }
        }
    }

    synchronized boolean isEmpty() {
        return byFile.isEmpty();
    }

    /** The share path {@code file} was last linked at through this share, or null. */
    synchronized String lastOf(FileKey file) {
        return byFile.get(file);
    }
}
