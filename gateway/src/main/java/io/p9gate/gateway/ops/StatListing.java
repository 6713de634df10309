package io.p9gate.gateway.ops;

import java.util.OptionalLong;

/**
 * Where a 9P2000/.u directory read stands. The guest's offsets count bytes of packed stat entries (read(5)), the
 * host's are cookies of its own; read(5) allows a directory read only at 0 or where the previous one ended, so
 * the listing keeps that end and its cookie. The start of the last reply is kept too: a client that asks again for
 * the same bytes (a retried request) gets them again instead of an error.
 */
final class StatListing {
    private long lastStart;
    private long lastStartCookie;
    private long end;
    private long endCookie;

    /**
     * The host cookie for a read at this byte offset; none for an offset read(5) does not allow, which the caller
     * refuses through the choke point (the refusal is recorded like any other).
     */
    synchronized OptionalLong cookieAt(long offset) {
        if (offset == 0) {
            return OptionalLong.of(0);
        }
        if (offset == end) {
            return OptionalLong.of(endCookie);
        }
        if (offset == lastStart) {
            return OptionalLong.of(lastStartCookie);
        }
        return OptionalLong.empty();
    }

    /** A reply of {@code bytes} bytes was read at {@code offset} (cookie {@code cookie}) and ends at {@code next}. */
    synchronized void read(long offset, long cookie, int bytes, long next) {
        lastStart = offset;
        lastStartCookie = cookie;
        end = offset + bytes;
        endCookie = next;
    }
}
