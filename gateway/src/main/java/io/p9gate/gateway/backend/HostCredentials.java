package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one backend call on the host as a guest user's mapped ids, so the kernel checks host permissions
 * as it would for that user (a share's {@code permissions: enforce}; QEMU passthrough and diod do the same
 * with setfsuid). Only the calling thread changes: its filesystem uid and gid (setfsuid/setfsgid, per
 * thread in Linux) and its supplementary groups (the raw setgroups system call; glibc's wrapper would
 * change every thread). While the fsuid is not 0 the kernel clears CAP_CHOWN, CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_FSETID from the thread's effective set, and raises them again
 * when it returns to 0: a gateway running as root loses exactly its power over other users' files for the
 * duration of the call.
 */
public final class HostCredentials {
    static final int CAP_CHOWN = 0;
    static final int CAP_DAC_OVERRIDE = 1;
    static final int CAP_DAC_READ_SEARCH = 2;
    static final int CAP_FOWNER = 3;
    static final int CAP_FSETID = 4;
    static final int CAP_SETGID = 6;
    static final int CAP_SETUID = 7;
    /** Asking setfsuid/setfsgid for an invalid id changes nothing and returns the current one. */
    private static final int QUERY = -1;

    private static final int[] NO_GROUPS = {};
    private static final System.Logger LOG = System.getLogger(HostCredentials.class.getName());
    /** A thread's own supplementary groups never change but for this class, which always puts them back. */
    private static final ThreadLocal<int[]> OWN_GROUPS = new ThreadLocal<>();
    /** Whom the calling thread acts as now, inside {@link #actingAs}; none outside. */
    private static final ThreadLocal<Acting> ACTING = new ThreadLocal<>();
    /**
     * The calling thread's capability sets as this class last read or set them; null once they may have changed
     * since. Only the thread itself changes them, through {@link #setfsuid} (leaving fsuid 0 drops CAP_FSETID from
     * the effective set, coming back raises it) and {@link #withoutCapFsetid}'s capset: so a Twrite at the gateway's
     * own ids needs no capget.
     */
    private static final ThreadLocal<int[]> CAPS = new ThreadLocal<>();

    /** A guest user's ids the thread took, and the thread's own, to give back. */
    private record Acting(int uid, int gid, int ownUid, int ownGid, int[] ownGroups) {}

    private HostCredentials() {}

    @FunctionalInterface
    public interface Call<T> {
        T run() throws P9Exception;
    }

    /**
     * Runs {@code call} with the calling thread's fsuid/fsgid set to {@code uid}/{@code gid} and no
     * supplementary groups (9P2000.L does not say which groups a guest user has; none is the safe answer),
     * then restores the thread's own credentials, whatever the call did. Six system calls when the thread has
     * no supplementary groups of its own (a root service usually has none), eight otherwise: system calls are
     * the whole cost, so the ids are read back only on the way in, where a failure must stop the call.
     *
     * @throws P9Exception EPERM without a call if the thread cannot take the ids (fail closed)
     */
    public static <T> T actingAs(int uid, int gid, Call<T> call) throws P9Exception {
        if (Thread.currentThread().isVirtual()) {
            // A virtual thread may move to another carrier between two system calls: its ids would not follow.
            throw new P9Exception(Errno.EIO, "host permissions are only checked on platform threads");
        }
        int[] ownGroups = ownGroups();
        Ids own = take(uid, gid, ownGroups); // EPERM here: nothing has changed yet
        try {
            requireActingAs(uid, gid);
            Acting outside = ACTING.get();
            ACTING.set(new Acting(uid, gid, own.uid(), own.gid(), ownGroups));
            try {
                return call.run();
            } finally {
                ACTING.set(outside);
            }
        } finally {
            restore(own.uid(), own.gid(), ownGroups);
        }
    }

    /**
     * Runs {@code call} with the gateway's own credentials, inside a call {@link #actingAs} a guest user or not: for
     * what the gateway must know whatever that user may search, such as whether a directory holds a share's root
     * (the climb from a share's root passes directories above the share). Then the guest user's ids again.
     *
     * @throws P9Exception EPERM if the thread cannot take the guest user's ids back: the guest's call must stop
     *     rather than go on as the gateway
     */
    static <T> T asGateway(Call<T> call) throws P9Exception {
        Acting acting = ACTING.get();
        if (acting == null) {
            return call.run();
        }
        restore(acting.ownUid(), acting.ownGid(), acting.ownGroups());
        ACTING.remove();
        try {
            return call.run();
        } finally {
            take(acting.uid(), acting.gid(), acting.ownGroups());
            requireActingAs(acting.uid(), acting.gid());
            ACTING.set(acting);
        }
    }

    /** A thread's filesystem uid and gid. */
    private record Ids(int uid, int gid) {}

    /**
     * The calling thread takes {@code uid} and {@code gid} as its filesystem ids and drops its supplementary groups
     * if it has some ({@code ownGroups}); returns the ids it had. Read back apart ({@link #requireActingAs}).
     *
     * @throws P9Exception EPERM from setgroups, before any id changed
     */
    private static Ids take(int uid, int gid, int[] ownGroups) throws P9Exception {
        if (ownGroups.length > 0) {
            LinuxSyscalls.setgroupsThisThread(NO_GROUPS);
        }
        int hadGid = LinuxSyscalls.setfsgid(gid);
        return new Ids(setfsuid(uid), hadGid);
    }

    /** setfsuid(2), forgetting the thread's capabilities first: the kernel changes them with the fsuid. */
    private static int setfsuid(int uid) {
        CAPS.remove();
        return LinuxSyscalls.setfsuid(uid);
    }

    /**
     * Fails unless the calling thread's filesystem ids are {@code uid} and {@code gid}: setfsuid/setfsgid report
     * no failure, so a refused change is seen only by reading the ids back.
     */
    private static void requireActingAs(int uid, int gid) throws P9Exception {
        if (LinuxSyscalls.setfsuid(QUERY) != uid || LinuxSyscalls.setfsgid(QUERY) != gid) {
            throw new P9Exception(
                    Errno.EPERM,
                    "cannot act as host uid " + Integer.toUnsignedString(uid) + " gid "
                            + Integer.toUnsignedString(gid));
        }
    }

    private static int[] ownGroups() throws P9Exception {
        int[] groups = OWN_GROUPS.get();
        if (groups == null) {
            groups = LinuxSyscalls.getgroups();
            OWN_GROUPS.set(groups);
        }
        return groups;
    }

    /**
     * Back to the thread's own ids. The kernel never refuses this to a process with CAP_SETUID/CAP_SETGID, which
     * no fsuid change takes away (and a thread left as a guest user could only do less, not more).
     */
    private static void restore(int uid, int gid, int[] groups) {
        setfsuid(uid);
        LinuxSyscalls.setfsgid(gid);
        if (groups.length > 0) {
            try {
                LinuxSyscalls.setgroupsThisThread(groups);
            } catch (P9Exception e) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        "worker " + Thread.currentThread().getName() + " could not restore its supplementary groups: "
                                + e.errno());
                throw new IllegalStateException("could not restore the gateway's supplementary groups", e);
            }
        }
    }

    /** Why this process cannot enforce host permissions, or empty if it can. */
    public static Optional<String> whyUnavailable() {
        long capEff;
        try {
            capEff = effectiveCapabilities(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of("cannot read this process's capabilities: " + e.getMessage());
        }
        return whyUnavailable(capEff, LinuxSyscalls.geteuid());
    }

    /** As {@link #whyUnavailable()} for a given effective capability set and effective uid. */
    static Optional<String> whyUnavailable(long capEff, int euid) {
        List<String> missing = new ArrayList<>();
        if (!has(capEff, CAP_SETUID)) {
            missing.add("CAP_SETUID");
        }
        if (!has(capEff, CAP_SETGID)) {
            missing.add("CAP_SETGID");
        }
        if (!missing.isEmpty()) {
            return Optional.of("the gateway lacks " + String.join(" and ", missing)
                    + ", needed to act as each guest user on the host (setfsuid/setfsgid)");
        }
        if (euid != 0) {
            // The kernel drops the file capabilities only when the fsuid leaves 0.
            List<String> kept = new ArrayList<>();
            String[] names = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID"};
            for (int cap = CAP_CHOWN; cap <= CAP_FSETID; cap++) {
                if (has(capEff, cap)) {
                    kept.add(names[cap]);
                }
            }
            if (!kept.isEmpty()) {
                return Optional.of("the gateway runs as uid " + Integer.toUnsignedString(euid) + " with "
                        + String.join(", ", kept) + ", which the kernel does not drop for another fsuid: "
                        + "host permissions would not be checked (run as root, or without them)");
            }
        }
        return Optional.empty();
    }

    /**
     * Whether this process holds CAP_FSETID, read once: the kernel then leaves the set-uid/set-gid bits of a file it
     * writes, which it clears for any other writer. Taken as held where it cannot be read.
     */
    public static boolean holdsCapFsetid() {
        return Fsetid.HELD;
    }

    private static final class Fsetid {
        static final boolean HELD = held();

        private static boolean held() {
            try {
                return has(effectiveCapabilities(Files.readString(Path.of("/proc/self/status"))), CAP_FSETID);
            } catch (IOException | IllegalArgumentException e) {
                return true;
            }
        }
    }

    /**
     * Runs {@code write} (a pwrite of guest bytes, a truncate: FileIo.changingData) without CAP_FSETID in the calling
     * thread's effective set, so the kernel clears a file's set-uid (and set-gid with group-execute) bits in the write
     * itself, under the inode lock,
     * before the bytes land, as for any writer without it. A gateway holding it left a host chmod u+s that raced the
     * write on the file with the guest's bytes until SetIdBits looked again: a host exec in between ran guest code as
     * the file's owner (HostSetIdWriteRaceAttackTest). Two system calls (capset), only where the process holds it,
     * and a capget the first time after a change of fsuid ({@link #CAPS}); none more where the thread already lacks
     * it (acting as a guest user with fsuid not 0).
     *
     * @throws P9Exception EIO on a virtual thread, whose carrier (and so capabilities) may change between calls
     */
    public static <T> T withoutCapFsetid(Call<T> write) throws P9Exception {
        if (!holdsCapFsetid()) {
            return write.run();
        }
        if (Thread.currentThread().isVirtual()) {
            throw new P9Exception(Errno.EIO, "guest writes run on platform threads only");
        }
        int[] caps = CAPS.get();
        if (caps == null) {
            caps = LinuxSyscalls.capget();
            CAPS.set(caps);
        }
        if ((caps[0] & (1 << CAP_FSETID)) == 0) {
            return write.run();
        }
        int[] without = caps.clone();
        without[0] &= ~(1 << CAP_FSETID);
        CAPS.remove(); // known again once restored: a capset that fails leaves them to be read
        LinuxSyscalls.capset(without);
        try {
            return write.run();
        } finally {
            try {
                LinuxSyscalls.capset(caps);
            } catch (P9Exception e) {
                // A worker left without it has less power, not more, but would clear bits a guest's root keeps.
                throw new IllegalStateException("could not restore the gateway's CAP_FSETID: " + e.errno(), e);
            }
            CAPS.set(caps);
        }
    }

    /** The CapEff line of /proc/self/status. */
    static long effectiveCapabilities(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
            }
        }
        throw new IllegalArgumentException("no CapEff line in /proc/self/status");
    }

    private static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }
}
