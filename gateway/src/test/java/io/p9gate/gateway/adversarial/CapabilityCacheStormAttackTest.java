package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team on the worker threads' capability cache (backend.HostCredentials: a thread remembers its capability sets
 * to skip capget per Twrite, forgetting them at each setfsuid). The same worker threads serve a VM's guest users
 * acting as themselves in a {@code permissions: enforce} share (fsuid not 0: the kernel drops CAP_FSETID, CAP_CHOWN,
 * CAP_FOWNER...), the same VM's root in a share served at the gateway's own ids, and another VM: Twrite, Tsetattr,
 * Tlcreate, Tsymlink and Treadlink from many connections at once, with a set-id bit the host adds before each write.
 * A stale cache would show as a host set-id bit a write kept (CAP_FSETID left in the effective set) or as EPERM on
 * what only the gateway's own ids may do (a create's chown to the guest's owner, a chmod of another owner's file).
 */
class CapabilityCacheStormAttackTest {
    private static final int O_RDWR = 2;
    private static final int O_WRONLY = 1;
    private static final int ROUNDS = 120;
    private static final int PER_KIND = 3;
    private static final int GUEST_USER = 1000;
    private static final int CAP_FSETID = 4;
    private static final Pattern CAP_EFF = Pattern.compile("(?m)^CapEff:\\s*([0-9a-f]+)$");
    private static final byte[] CODE = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Writes made while the writing worker held CAP_FSETID (read from its own /proc status), by thread. */
    private final List<String> heldCapFsetid = new CopyOnWriteArrayList<>();

    @AfterEach
    void removeSeam() {
        FileIo.whileWriting(null, null);
    }

    @Test
    void guestUsersRootsAndAnotherVmOnTheSameWorkersNeverKeepAHostSetIdBitNorLoseTheGatewaysPowers() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as guest users needs a root test run");
        Path enforced = Files.createDirectories(tmp.resolve("e"));
        Path plain = Files.createDirectories(tmp.resolve("p"));
        for (Path dir : List.of(enforced, plain)) {
            Files.setAttribute(dir, "unix:mode", 0777);
        }
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm(
                        "alpha",
                        tmp.resolve("alpha.sock"),
                        100000,
                        "users: {path: %s, access: read-write, permissions: enforce}\ndata: {path: %s, access: read-write}"
                                .formatted(enforced, plain)),
                OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 200000, plain));
        ExecutorService pool = Executors.newFixedThreadPool(3 * PER_KIND);
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            FileIo.whileWriting(this::noCapFsetid, () -> {});
            firstWritesAsAGuestUser(tmp.resolve("alpha.sock"), enforced);
            List<Future<?>> storm = new ArrayList<>();
            for (int i = 0; i < PER_KIND; i++) {
                int n = i;
                storm.add(pool.submit(
                        () -> hammer(tmp.resolve("alpha.sock"), "users", GUEST_USER, 100000, enforced, "u" + n)));
                storm.add(pool.submit(() -> hammer(tmp.resolve("alpha.sock"), "data", 0, 100000, plain, "a" + n)));
                storm.add(pool.submit(() -> hammer(tmp.resolve("beta.sock"), "data", 0, 200000, plain, "b" + n)));
            }
            for (Future<?> f : storm) {
                f.get(5, TimeUnit.MINUTES);
            }
            assertEquals(
                    0,
                    heldCapFsetid.size(),
                    () -> heldCapFsetid.size()
                            + " writes made with CAP_FSETID in the writing thread's effective set, on "
                            + Set.copyOf(heldCapFsetid));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The seam, on the worker just before its pwrite: the kernel must clear set-id bits in this write. */
    private void noCapFsetid() {
        try {
            String status = Files.readString(Path.of("/proc/thread-self/status"));
            Matcher capEff = CAP_EFF.matcher(status);
            if (!capEff.find() || (Long.parseUnsignedLong(capEff.group(1), 16) & (1L << CAP_FSETID)) != 0) {
                heldCapFsetid.add(Thread.currentThread().getName());
            }
        } catch (IOException e) {
            heldCapFsetid.add("unreadable: " + e);
        }
    }

    /**
     * Pipelined writes of a guest user, alpha alone: each worker's first write is one acting as a guest user, which
     * reads the thread's capabilities without the ones the kernel drops for its fsuid (a cache kept across the
     * fsuid's return to 0 then makes the next write at the gateway's own ids keep a set-id bit).
     */
    private static void firstWritesAsAGuestUser(Path socket, Path dir) throws Exception {
        Path file = Files.write(dir.resolve("warm-up"), new byte[] {1});
        Files.setAttribute(file, "unix:uid", 100000 + GUEST_USER);
        try (P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "u", "users", GUEST_USER);
            guest.walk(0, 1, "warm-up");
            guest.lopen(1, O_WRONLY);
            List<PendingCall> calls = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                calls.add(guest.send(new TMessage.Twrite(1, i, Unpooled.wrappedBuffer(CODE))));
            }
            for (PendingCall call : calls) {
                guest.await(call);
            }
        }
    }

    /**
     * One connection's rounds on its own files: the host makes its program set-uid and set-gid, the guest writes
     * it (the host must keep neither bit), makes a file (the gateway chowns it to the guest's owner), chmods it, makes
     * and reads back a symlink. Returns null so it is a Callable.
     */
    private static Void hammer(Path socket, String share, int uid, int hostBase, Path dir, String tag)
            throws Exception {
        Path program = dir.resolve(tag + "-prog");
        Files.write(program, new byte[] {1});
        Files.setAttribute(program, "unix:uid", hostBase + uid);
        Files.setAttribute(program, "unix:gid", hostBase + uid);
        Path secret = Files.write(dir.resolve(tag + "-secret"), new byte[] {2});
        Files.setAttribute(secret, "unix:mode", 0600);
        try (P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "u" + uid, share, uid);
            guest.walk(0, 1, tag + "-prog");
            guest.lopen(1, O_RDWR);
            for (int round = 0; round < ROUNDS; round++) {
                Files.setAttribute(program, "unix:mode", 06777);
                // Two at once, pipelined: the host bits must be gone after both.
                PendingCall first = guest.send(new TMessage.Twrite(1, round, Unpooled.wrappedBuffer(CODE)));
                PendingCall second = guest.send(new TMessage.Twrite(1, round + 64, Unpooled.wrappedBuffer(CODE)));
                guest.await(first);
                guest.await(second);
                int mode = (int) Files.getAttribute(program, "unix:mode") & 07777;
                assertEquals(0777, mode, tag + " round " + round + ": the host kept " + Integer.toOctalString(mode));

                String made = tag + "-" + round;
                guest.walk(0, 2);
                guest.lcreate(2, made, O_WRONLY, 0640, uid);
                assertEquals(CODE.length, guest.write(2, 0, CODE));
                guest.setattr(2, new SetAttr(SetAttr.SETATTR_MODE, 0604, 0, 0, 0, 0, 0, 0, 0));
                guest.clunk(2);
                Path host = dir.resolve(made);
                assertEquals(
                        hostBase + uid,
                        (int) Files.getAttribute(host, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                        made + " is the guest's");
                assertEquals(0604, (int) Files.getAttribute(host, "unix:mode") & 07777, made);

                String target = "../" + tag + "/" + "t".repeat(round * 30);
                guest.walk(0, 3);
                guest.symlink(3, made + "-l", target, uid);
                guest.clunk(3);
                guest.walk(0, 3, made + "-l");
                assertEquals(target, guest.readlink(3));
                guest.clunk(3);
                // Failures in the middle, in the kernel: the next round's requests on the same workers must be right.
                guest.walk(0, 3);
                assertEquals(
                        Errno.ENAMETOOLONG,
                        assertThrows(P9Exception.class, () -> guest.symlink(3, made + "-x", "y".repeat(5000), uid))
                                .errno());
                guest.clunk(3);
                guest.walk(0, 4, tag + "-secret");
                if (uid != 0) { // the gateway's own ids may open it
                    assertEquals(
                            Errno.EACCES,
                            assertThrows(P9Exception.class, () -> guest.lopen(4, O_RDWR))
                                    .errno(),
                            "the host's 0600 file, as " + uid);
                }
                guest.clunk(4);
            }
        }
        return null;
    }
}
