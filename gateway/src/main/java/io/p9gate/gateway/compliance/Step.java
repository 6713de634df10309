package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;

/**
 * One request the suite sent, what the policy says it must get ({@code expected}, null for requests no
 * policy decides, such as Tclunk) and what came back. {@code newFid} is the fid a successful Tattach, Twalk
 * or Txattrwalk made (-1 otherwise); {@code probe} is how the audit log must show it.
 */
record Step(String request, Expected expected, Reply reply, int newFid, Probe probe) {
    /** The same request judged against another expectation (a quota, which the policy engine does not decide). */
    Step expecting(Expected other) {
        return new Step(request, other, reply, newFid, probe);
    }

    Step withReply(Reply other) {
        return new Step(request, expected, other, newFid, probe);
    }

    boolean ok() {
        return reply.ok();
    }

    Errno errno() {
        return reply.errno();
    }

    /** Whether the gateway answered as the policy says: the policy's errno, or (allowed) success. */
    boolean asExpected() {
        if (expected == null) {
            return true;
        }
        return expected.allowed() ? reply.ok() : expected.errno() == reply.errno() || reply.atRefusal();
    }
}
