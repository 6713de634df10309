package io.p9gate.policy.quota;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The directories a scan holds open, innermost first. Closing closes every one even when one close fails (a loop
 * that stopped at the first failure leaked the descriptors of the levels after it); the first failure is thrown,
 * the others suppressed in it, and a failure of the scan itself stays the one reported (try-with-resources).
 */
final class OpenDirectories<T extends Closeable> implements Closeable {
    private final Deque<T> open = new ArrayDeque<>();

    void push(T dir) {
        open.push(dir);
    }

    /** The innermost, still open. */
    T peek() {
        return open.peek();
    }

    /** Takes the innermost off, for its caller to close. */
    T pop() {
        return open.pop();
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    int size() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (T dir = open.poll(); dir != null; dir = open.poll()) {
            try {
                dir.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
