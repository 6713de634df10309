package io.p9gate.gateway.backend;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** When a gateway can act as each guest user on the host ({@code permissions: enforce}), and why not. */
class HostCredentialsTest {
    private static final long ROOT_CAPS = 0x000001ffffffffffL;
    private static final long SETUID_SETGID = (1L << HostCredentials.CAP_SETUID) | (1L << HostCredentials.CAP_SETGID);

    @Test
    void rootCanBecauseTheKernelDropsItsFileCapabilitiesWithTheFsuid() {
        assertEquals(Optional.empty(), HostCredentials.whyUnavailable(ROOT_CAPS, 0));
    }

    @Test
    void withoutSetuidOrSetgidItCannot() {
        String why = HostCredentials.whyUnavailable(ROOT_CAPS & ~(1L << HostCredentials.CAP_SETUID), 0)
                .orElseThrow();
        assertTrue(why.contains("lacks CAP_SETUID") && why.contains("setfsuid"), why);
        why = HostCredentials.whyUnavailable(0, 1000).orElseThrow();
        assertTrue(why.contains("lacks CAP_SETUID and CAP_SETGID"), why);
    }

    @Test
    void aNonRootGatewayMustNotKeepFileCapabilitiesTheKernelWouldNotDrop() {
        assertEquals(Optional.empty(), HostCredentials.whyUnavailable(SETUID_SETGID, 999));
        String why = HostCredentials.whyUnavailable(SETUID_SETGID | (1L << HostCredentials.CAP_DAC_OVERRIDE), 999)
                .orElseThrow();
        assertTrue(why.contains("uid 999 with CAP_DAC_OVERRIDE"), why);
    }

    @Test
    void theEffectiveSetIsReadFromProcStatus() {
        assertEquals(
                0x1fffeffffffL,
                HostCredentials.effectiveCapabilities(
                        "Name:\tjava\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\n"));
    }

    @Test
    void theThreadActsAsTheUserWithoutGroupsAndIsItselfAgainAfterwards() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "switching ids needs CAP_SETUID/CAP_SETGID");
        assertEquals(
                List.of(
                        "fsuid 101000 fsgid 101001 groups []",
                        "fsuid 0 fsgid 0 groups [4242]",
                        "fsuid 0 fsgid 0 groups [4242]"),
                onThreadWithGroups(() -> {
                    String inside = HostCredentials.actingAs(101000, 101001, HostCredentialsTest::credentials);
                    String after = credentials();
                    assertThrows(
                            P9Exception.class,
                            () -> HostCredentials.actingAs(101000, 101001, () -> {
                                throw new P9Exception(Errno.EACCES, "the call fails");
                            }));
                    return List.of(inside, after, credentials());
                }));
    }

    @Test
    void asTheGatewayInsideAGuestUsersCallThenTheGuestUserAgain() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "switching ids needs CAP_SETUID/CAP_SETGID");
        assertEquals(
                List.of(
                        "fsuid 0 fsgid 0 groups [4242]",
                        "fsuid 101000 fsgid 101001 groups []",
                        "fsuid 0 fsgid 0 groups [4242]",
                        "fsuid 0 fsgid 0 groups [4242]"),
                onThreadWithGroups(() -> {
                    List<String> inside = HostCredentials.actingAs(
                            101000,
                            101001,
                            () -> List.of(HostCredentials.asGateway(HostCredentialsTest::credentials), credentials()));
                    return List.of(
                            inside.get(0),
                            inside.get(1),
                            HostCredentials.asGateway(HostCredentialsTest::credentials),
                            credentials());
                }));
    }

    /**
     * A guest's write never holds CAP_FSETID, and the gateway's ids hold it again after, whatever ids the thread took
     * between: the capabilities withoutCapFsetid remembers (no capget per Twrite) are forgotten at each setfsuid, with
     * which the kernel changes them. Remembered from inside a guest user's call, a write at the gateway's ids after
     * would keep it (the set-id race of HostSetIdWriteRaceAttackTest); remembered from outside, a write inside one
     * would give it to the guest user.
     */
    @Test
    void aWriteNeverHoldsCapFsetidWhateverIdsTheThreadTookBefore() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0 && HostCredentials.holdsCapFsetid(), "a gateway holding CAP_FSETID");
        assertEquals(
                List.of(
                        "gateway: write false, after true",
                        "gateway: write false, after true",
                        "guest: write false, after false",
                        "gateway: write false, after true",
                        "gateway inside guest: write false, after true",
                        "guest again: false",
                        "gateway after a failed write: true",
                        "gateway: write false, after true"),
                onThreadWithGroups(() -> {
                    List<String> seen = new ArrayList<>();
                    seen.add("gateway: " + write());
                    seen.add("gateway: " + write());
                    seen.add(HostCredentials.actingAs(101000, 101001, () -> "guest: " + write()));
                    seen.add("gateway: " + write());
                    HostCredentials.actingAs(101000, 101001, () -> {
                        seen.add(HostCredentials.asGateway(() -> "gateway inside guest: " + write()));
                        return seen.add("guest again: " + holdsFsetid());
                    });
                    assertThrows(
                            P9Exception.class,
                            () -> HostCredentials.withoutCapFsetid(() -> {
                                throw new P9Exception(Errno.EIO, "the write fails");
                            }));
                    seen.add("gateway after a failed write: " + holdsFsetid());
                    seen.add("gateway: " + write());
                    return seen;
                }));
    }

    /** Whether the thread holds CAP_FSETID during a write, and after it. */
    private static String write() throws P9Exception {
        boolean during = HostCredentials.withoutCapFsetid(HostCredentialsTest::holdsFsetid);
        return "write " + during + ", after " + holdsFsetid();
    }

    private static boolean holdsFsetid() throws P9Exception {
        return (LinuxSyscalls.capget()[0] & (1 << HostCredentials.CAP_FSETID)) != 0;
    }

    /**
     * What {@code call} returns on a thread of its own with a supplementary group, which a guest user must not have.
     */
    private static Object onThreadWithGroups(HostCredentials.Call<Object> call) throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                LinuxSyscalls.setgroupsThisThread(new int[] {4242});
                outcome.set(call.run());
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        worker.start();
        worker.join();
        if (outcome.get() instanceof Throwable t) {
            throw new AssertionError(t);
        }
        return outcome.get();
    }

    /** The calling thread's filesystem ids and supplementary groups, as the kernel shows them. */
    private static String credentials() throws P9Exception {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/thread-self/status"));
            return "fsuid " + field(status, "Uid:", 3) + " fsgid " + field(status, "Gid:", 3) + " groups "
                    + Arrays.toString(LinuxSyscalls.getgroups());
        } catch (java.io.IOException e) {
            throw new P9Exception(Errno.EIO, e.getMessage());
        }
    }

    private static String field(List<String> status, String key, int index) {
        return status.stream()
                .filter(l -> l.startsWith(key))
                .findFirst()
                .orElseThrow()
                .substring(key.length())
                .strip()
                .split("\\s+")[index];
    }

    @Test
    void aRootTestRunCanSwitchIds() {
        assumeRoot("CAP_SETUID and CAP_SETGID");
        assertEquals(
                Optional.empty(), HostCredentials.whyUnavailable(), "a root test run has CAP_SETUID and CAP_SETGID");
    }
}
