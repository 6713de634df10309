package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.proto.TMessage;
import java.util.function.Function;

/**
 * One request of a sequence, on connection {@code conn}. The request is built per server ({@link Target}): an attach
 * names the server's share, a directory read that continues a listing uses the offset that server gave.
 *
 * @param flush the request is sent and then flushed at once: only the Rflush is compared
 * @param compared false where the servers cannot agree by design (a made-up directory offset)
 * @param p9gateOnly not sent to diod: a fid or newfid already in use, which diod takes over (walk(5) and attach(5)
 *     say it must not be in use; p9gate answers EINVAL), so its fids would no longer be the reference's
 * @param facts what the fids it names are at the reference when it is sent ({@link FidModel#facts}), e.g. "fid=open
 *     file": an accepted difference may depend on it
 */
record FuzzStep(
        int conn,
        String label,
        Function<Target, TMessage> request,
        boolean flush,
        boolean compared,
        boolean p9gateOnly,
        String facts) {
    static FuzzStep of(int conn, String label, Function<Target, TMessage> request) {
        return new FuzzStep(conn, label, request, false, true, false, "");
    }

    FuzzStep onlyToP9gate() {
        return new FuzzStep(conn, label, request, flush, compared, true, facts);
    }

    FuzzStep withFacts(String known) {
        return new FuzzStep(conn, label, request, flush, compared, p9gateOnly, known);
    }
}
