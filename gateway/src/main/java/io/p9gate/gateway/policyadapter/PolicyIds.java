package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import java.util.function.Supplier;

/**
 * One VM's id mapping from the current policy (R-POL-5), looked up on every call so that a reload
 * applies at once. A VM the policy no longer knows maps everything to the overflow id.
 */
record PolicyIds(Supplier<PolicyEngine> engine, String vm) implements IdTranslation {
    private IdMap map() {
        return engine.get().idMap(vm);
    }

    @Override
    public int uidToHost(int guestUid) {
        return (int) map().uidToHost(Integer.toUnsignedLong(guestUid));
    }

    @Override
    public int gidToHost(int guestGid) {
        return (int) map().gidToHost(Integer.toUnsignedLong(guestGid));
    }

    @Override
    public int uidToGuest(int hostUid) {
        return (int) map().uidToGuest(Integer.toUnsignedLong(hostUid));
    }

    @Override
    public int gidToGuest(int hostGid) {
        return (int) map().gidToGuest(Integer.toUnsignedLong(hostGid));
    }

    @Override
    public boolean mayOwnUid(int guestUid) {
        return map().uids().mayOwn(Integer.toUnsignedLong(guestUid));
    }

    @Override
    public boolean mayOwnGid(int guestGid) {
        return map().gids().mayOwn(Integer.toUnsignedLong(guestGid));
    }

    @Override
    public boolean mapsHostUid(int hostUid) {
        return map().uids().mapsHost(Integer.toUnsignedLong(hostUid));
    }

    @Override
    public boolean mapsHostGid(int hostGid) {
        return map().gids().mapsHost(Integer.toUnsignedLong(hostGid));
    }

    @Override
    public int overflowUid() {
        return (int) map().uids().overflow();
    }

    @Override
    public int overflowGid() {
        return (int) map().gids().overflow();
    }
}
