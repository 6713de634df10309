package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a VM's host-move reader ({@link VmInotify}) ends. It may die of what it runs into (an exception, an Error such
 * as OutOfMemoryError) at any time, the moment its VM's last share closes included; and a request still running when
 * its share closes may ask for a watch afterwards. Neither may leave an inotify instance or a reader behind, and a
 * reader that died must never leave its shares trusting paths no event can outdate any more.
 */
class WatchReaderEndAttackTest {
    private static final String READER = "p9gate-host-moves-";

    @TempDir
    Path tmp;

    @AfterEach
    void tearDown() {
        HostMoves.readingForTests = null;
    }

    @Test
    void aReaderDyingAsTheLastShareClosesLeavesNoInstanceOpen() throws Exception {
        Files.createDirectories(tmp.resolve("share/pub"));
        long instancesBefore = inotifyInstances();
        ShareRoot share = open("share");
        VmBudget vm = VmBudget.unlimited("dying-at-close");
        lookUp(vm, share, "pub");
        ShareRoot.awaitHostMovesSeen();
        Thread reader = reader(vm);
        assertEquals(instancesBefore + 1, inotifyInstances(), "the VM's instance");

        failReader(reader, new IllegalStateException("the reader fails at the event that wakes it to stop"));
        share.close();
        reader.join(10_000);
        assertFalse(reader.isAlive(), "the reader still runs");
        assertEquals(instancesBefore, inotifyInstances(), "inotify instances left open");
    }

    @Test
    void aReaderKilledByAnErrorMakesItsSharesAskTheKernel() throws Exception {
        Files.createDirectories(tmp.resolve("share/pub/d"));
        Files.createDirectories(tmp.resolve("share/vault"));
        ShareRoot share = open("share");
        VmBudget vm = VmBudget.unlimited("out-of-memory");
        try {
            ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
                try (Node root = share.root();
                        Node pub = share.lookup(root, "pub");
                        Node d = share.lookup(pub, "d")) {
                    assertEquals("pub/d", share.relativePath(d));
                    ShareRoot.awaitHostMovesSeen();
                    Thread reader = reader(vm);
                    failReader(reader, new OutOfMemoryError("the reader runs out of memory"));
                    Files.createFile(tmp.resolve("share/pub/f")); // an event for it to read
                    reader.join(10_000);
                    assertFalse(reader.isAlive(), "the reader still runs");

                    Files.move(tmp.resolve("share/pub/d"), tmp.resolve("share/vault/d")); // the host's move
                    assertEquals("vault/d", share.relativePath(d), "the path of a handle the host moved");
                }
                return null;
            });
        } finally {
            share.close();
        }
    }

    @Test
    void aRequestAfterItsShareClosedStartsNoReader() throws Exception {
        Files.createDirectories(tmp.resolve("share/pub/d"));
        long instancesBefore = inotifyInstances();
        ShareRoot share = open("share");
        VmBudget vm = VmBudget.unlimited("late-request");
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = share.root();
                    Node pub = share.lookup(root, "pub")) {
                ShareRoot.awaitHostMovesSeen();
                Thread reader = reader(vm);
                share.close(); // as the gateway closes, a request on pub still running
                reader.join(10_000);
                assertFalse(reader.isAlive(), "the reader still runs after its share closed");
                try {
                    share.lookup(pub, "d").close(); // the request goes on: a name in pub, whose watch went
                } catch (P9Exception e) {
                    // refused or not: what matters is what it left running
                }
            }
            return null;
        });
        assertEquals(
                0,
                Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals(READER + vm.vm()) && t.isAlive())
                        .count(),
                "readers started for a closed share, never to be stopped");
        assertEquals(instancesBefore, inotifyInstances(), "inotify instances left open");
    }

    private ShareRoot open(String name) throws P9Exception {
        ShareRoot share = ShareRoot.open(tmp.resolve(name), new QidMapper());
        share.watchMoves();
        return share;
    }

    private static void lookUp(VmBudget vm, ShareRoot share, String name) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = share.root()) {
                share.lookup(root, name).close();
            }
            return null;
        });
    }

    /** Makes {@code reader} throw {@code failure} when it next handles events it read. */
    private static void failReader(Thread reader, Throwable failure) {
        HostMoves.readingForTests = () -> {
            if (Thread.currentThread() == reader) {
                switch (failure) {
                    case RuntimeException e -> throw e;
                    case Error e -> throw e;
                    default -> throw new IllegalArgumentException(failure);
                }
            }
        };
    }

    private static Thread reader(VmBudget vm) {
        Thread reader = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(READER + vm.vm()) && t.isAlive())
                .findFirst()
                .orElse(null);
        assertNotNull(reader, "the VM's reader");
        return reader;
    }

    /** This process's open inotify instances. */
    private static long inotifyInstances() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify");
                        } catch (IOException closed) {
                            return false;
                        }
                    })
                    .count();
        }
    }
}
