package io.p9gate.audit;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The last 20 % of the audit disk budget, split evenly among the VMs. A guest's looks and session events are
 * recorded, so one that makes them as fast as it can used to bring the budget to its 5 % mark alone, after which
 * every VM's changes were refused: one VM stopping the others. Below 20 % left, each VM may add at most
 * {@code zone / VMs} bytes; past that its own records are refused (EIO) while the others go on. The VMs are the
 * ones the gateway serves ({@code declared}) or, if more, the ones seen in records: identities come from the
 * transport, so a guest cannot add VMs to shrink the others' shares. One VM alone keeps the whole zone, as before.
 * Counts start again once the budget is above 20 % (room was made). Under the log's append lock.
 */
final class VmShares {
    /** The records of no VM have an eighth of the zone: see {@link #share}. */
    private static final int UNNAMED_PART = 8;

    private final long zone;
    private final int declared;
    /** Every VM whose records were written; bounded by the VM identities the gateway serves. */
    private final Set<String> seen = new HashSet<>();
    /** Bytes each VM added since the budget went below 20 %. */
    private final Map<String, Long> used = new HashMap<>();
    /** VMs refused since the budget went below 20 %: each is reported once. */
    private final Set<String> refused = new HashSet<>();

    private final ArrayDeque<String> unreported = new ArrayDeque<>();

    /**
     * @param zone     bytes of the budget split among the VMs (20 % of its scale)
     * @param declared VMs the gateway serves (0: count the VMs seen)
     */
    VmShares(long zone, int declared) {
        this.zone = zone;
        this.declared = declared;
    }

    /**
     * The share of the zone {@code vm} has now. The records of no VM ("", connections refused before the transport
     * named one) are no VM of their own, so they shrink no VM's share, but a VM can make them (connecting without
     * its certificate, or to a vsock port not its own): given a VM's share as well, one VM's half and its refused
     * connects' half took the budget past the 5 % mark (3/4 of the zone), and every other VM's changes were refused.
     * With an eighth, a VM's share (half the zone at most, when two VMs or more share it) and theirs stay short of it.
     */
    long share(String vm) {
        return vm.isEmpty() ? zone / UNNAMED_PART : zone / Math.max(1, Math.max(declared, seen.size()));
    }

    /** Notes that {@code vm} records, whatever the budget's state (it counts towards the VMs sharing the zone). */
    void saw(String vm) {
        if (!vm.isEmpty()) {
            seen.add(vm);
        }
    }

    /** Whether {@code vm} may add {@code bytes} inside the zone. */
    boolean admits(String vm, long bytes) {
        if (used.getOrDefault(vm, 0L) + bytes <= share(vm)) {
            return true;
        }
        if (refused.add(vm)) {
            unreported.add(vm);
        }
        return false;
    }

    /** Counts bytes {@code vm} added inside the zone. */
    void charge(String vm, long bytes) {
        used.merge(vm, bytes, Long::sum);
    }

    long used(String vm) {
        return used.getOrDefault(vm, 0L);
    }

    /** A VM refused for the first time since the zone was entered, once. */
    Optional<String> nextRefused() {
        return Optional.ofNullable(unreported.poll());
    }

    /** The budget is above the zone again: every VM starts afresh. */
    void leftZone() {
        used.clear();
        refused.clear();
        unreported.clear();
    }
}
