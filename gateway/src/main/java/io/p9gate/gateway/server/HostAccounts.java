package io.p9gate.gateway.server;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * User and group names of this host as numeric ids, through the C library (getpwnam/getgrnam: /etc/passwd and
 * whatever NSS adds), for the policy's socket owners and expected peers. A number stands for itself.
 */
@SuppressWarnings("restricted") // FFM downcalls; the launcher enables native access.
public final class HostAccounts {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPWNAM = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getpwnam").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle GETGRNAM = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getgrnam").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));
    /** struct passwd: pw_name, pw_passwd (pointers), then pw_uid, pw_gid. */
    private static final long PW_UID = 2 * ADDRESS.byteSize();
    /** struct group: gr_name, gr_passwd (pointers), then gr_gid. */
    private static final long GR_GID = 2 * ADDRESS.byteSize();

    private HostAccounts() {}

    /** @throws IllegalArgumentException if no such user exists here */
    public static int uid(String nameOrId) {
        return lookup(nameOrId, GETPWNAM, PW_UID, "user");
    }

    /** @throws IllegalArgumentException if no such group exists here */
    public static int gid(String nameOrId) {
        return lookup(nameOrId, GETGRNAM, GR_GID, "group");
    }

    // getpwnam/getgrnam use static buffers: one lookup at a time.
    private static synchronized int lookup(String nameOrId, MethodHandle function, long offset, String what) {
        if (nameOrId.chars().allMatch(Character::isDigit) && !nameOrId.isEmpty()) {
            return (int) Long.parseLong(nameOrId);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = (MemorySegment) function.invokeExact(arena.allocateFrom(nameOrId));
            if (entry.equals(MemorySegment.NULL)) {
                throw new IllegalArgumentException("no " + what + " '" + nameOrId + "' on this host");
            }
            return entry.reinterpret(offset + 4).get(JAVA_INT, offset);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("looking up " + what + " '" + nameOrId + "'", t);
        }
    }
}
