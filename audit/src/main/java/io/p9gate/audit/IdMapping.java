package io.p9gate.audit;

/** The requester's ids as the guest sent them and as they were mapped on the host (R-POL-5). */
public record IdMapping(long guestUid, long guestGid, long hostUid, long hostGid) {}
