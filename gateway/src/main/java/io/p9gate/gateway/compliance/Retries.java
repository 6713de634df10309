package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;

/**
 * A bounded retry of an action over a new connection: {@code attempts} tries, {@code pause} apart, while the action
 * fails with an IOException (no socket, connection refused, a request timed out); the last failure is thrown.
 */
record Retries(int attempts, Duration pause) {
    @FunctionalInterface
    interface Action<T> {
        T run() throws IOException;
    }

    <T> T run(Action<T> action) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return action.run();
            } catch (IOException e) {
                if (attempt >= attempts) {
                    throw e;
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting to try again");
            }
        }
    }
}
