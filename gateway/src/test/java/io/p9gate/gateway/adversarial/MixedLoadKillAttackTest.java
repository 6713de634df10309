package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, R-AUD-1: {@code kill -9} at a random moment of a mixed load from two VMs (creates, writes, Tfsync,
 * setattr, an xattr commit, renames, unlinks and a refused unlink), {@code p9gate.crash.iterations} times (3 by
 * default) on one log. After each kill: {@code audit verify} passes (a torn tail is a crash, not tampering); every
 * reply a client received has its record, in the order of the replies, with the errno the guest got; every change on
 * the host has the intent that announced it; the data of every Tfsync'd write is on disk.
 */
class MixedLoadKillAttackTest {
    private static final int ITERATIONS = Integer.getInteger("p9gate.crash.iterations", 3);
    private static final List<String> VMS = List.of("alpha", "beta");
    private static final int O_RDWR = 2;
    private static final int ENOENT = 2;

    @TempDir
    Path tmp;

    /** A reply the client received: the record that must stand for it. */
    record Ack(String op, String path, int errno) {}

    /** What one VM's load saw: its replies in order, and the files whose data a Tfsync declared on disk. */
    record Seen(List<Ack> acks, Map<String, byte[]> synced) {
        Seen() {
            this(new CopyOnWriteArrayList<>(), new ConcurrentHashMap<>());
        }
    }

    @Test
    void everyAnsweredRequestAndEveryHostChangeSurvivesAKill() throws Exception {
        long seed = Long.getLong("p9gate.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, tmp, VMS, "", List.of());
        for (int round = 0; round < ITERATIONS; round++) {
            String when = "kill " + round + " (seed " + seed + ")";
            gateway.start(0);
            assertVerifies(gateway.logs, "after the restart before " + when);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch loaded = new CountDownLatch(VMS.size() * 3);
            Map<String, Seen> seen = new HashMap<>();
            List<Thread> loads = new ArrayList<>();
            for (String vm : VMS) {
                Seen s = new Seen();
                seen.put(vm, s);
                String prefix = "k" + round + "-";
                loads.add(Thread.ofPlatform().start(() -> load(gateway.socketOf(vm), prefix, s, stop, loaded)));
            }
            assertTrue(loaded.await(20, TimeUnit.SECONDS), when + ": the load ran: " + gateway.stderrText());
            Thread.sleep(random.nextInt(300)); // then kill at a random moment of the load
            gateway.kill();
            stop.set(true);
            for (Thread t : loads) {
                t.join();
            }
            assertVerifies(gateway.logs, "the image of " + when);
            List<AuditRecord> records = gateway.logs.recordsBeforeTornTail();
            for (String vm : VMS) {
                assertAnsweredAreRecorded(vm, seen.get(vm).acks(), records, when);
                assertHostChangesAreRecorded(vm, gateway.shareOf(vm), prefix(round), records, when);
                for (Map.Entry<String, byte[]> e : seen.get(vm).synced().entrySet()) {
                    assertArrayEquals(
                            e.getValue(),
                            Files.readAllBytes(gateway.shareOf(vm).resolve(e.getKey())),
                            when + ": " + vm + "'s Tfsync'd " + e.getKey());
                }
            }
        }
        System.out.printf("MixedLoadKillAttackTest: %d kills (seed %d)%n", ITERATIONS, seed);
    }

    private static String prefix(int round) {
        return "k" + round + "-";
    }

    /** One VM's mixed load until the gateway dies under it. */
    private static void load(Path socket, String prefix, Seen seen, AtomicBoolean stop, CountDownLatch loaded) {
        try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            c.attach(0, "root", "data", 0);
            for (int i = 0; !stop.get(); i++) {
                String f = prefix + "f" + i;
                byte[] data = (f + " data").repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8);
                c.walk(0, 1);
                c.lcreate(1, f, O_RDWR, 0644, 0);
                ack(seen, "lcreate", f, 0);
                c.write(1, 0, data);
                ack(seen, "write", f, 0);
                switch (i % 3) {
                    case 0 -> {
                        c.fsync(1, false);
                        ack(seen, "fsync", f, 0);
                        seen.synced().put(f, data);
                        c.clunk(1);
                    }
                    case 1 -> {
                        c.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0600, 0, 0, 0, 0, 0, 0, 0));
                        ack(seen, "setattr", f, 0);
                        c.walk(1, 2);
                        c.rpc(new TMessage.Txattrcreate(2, "user.k", 1, 0));
                        c.write(2, 0, new byte[] {'v'});
                        c.clunk(2); // the commit: the host changes here
                        ack(seen, "clunk", f, 0);
                        c.clunk(1);
                        c.renameat(0, f, 0, prefix + "r" + i);
                        ack(seen, "renameat", f, 0);
                    }
                    case 2 -> {
                        c.clunk(1);
                        c.unlinkat(0, f, 0);
                        ack(seen, "unlinkat", f, 0);
                    }
                    default -> throw new IllegalStateException();
                }
                try {
                    c.unlinkat(0, prefix + "missing" + i, 0);
                    throw new AssertionError("unlinked a file that was never there");
                } catch (P9Exception e) {
                    ack(seen, "unlinkat", prefix + "missing" + i, e.errno().code());
                }
                loaded.countDown();
            }
        } catch (Exception | AssertionError killed) {
            // the gateway was killed under a request: that is the test
        }
    }

    private static void ack(Seen seen, String op, String name, int errno) {
        seen.acks().add(new Ack(op, "/" + name, errno));
    }

    /**
     * The VM's decision records, an outcome folded into its intent (the errno the guest got), in log order; every
     * answered request must be among them, in the order of the answers (one connection, one request at a time).
     */
    private static void assertAnsweredAreRecorded(String vm, List<Ack> acks, List<AuditRecord> records, String when) {
        List<Ack> recorded = new ArrayList<>();
        Map<Long, Integer> index = new HashMap<>();
        for (AuditRecord r : records) {
            if (!r.isDecision() || !vm.equals(r.vm())) {
                continue;
            }
            String detail = r.detail() == null ? "" : r.detail();
            int errno = r.errno() == null ? 0 : r.errno();
            java.util.regex.Matcher outcome = java.util.regex.Pattern.compile("phase=outcome intent=(\\d+)")
                    .matcher(detail);
            if (outcome.find() && index.containsKey(Long.parseLong(outcome.group(1)))) {
                int at = index.get(Long.parseLong(outcome.group(1)));
                Ack intent = recorded.get(at);
                recorded.set(at, new Ack(intent.op(), intent.path(), errno));
                continue;
            }
            index.put(r.seq(), recorded.size());
            recorded.add(new Ack(r.op(), r.path(), errno));
        }
        int at = 0;
        for (Ack a : acks) {
            while (at < recorded.size() && !recorded.get(at).equals(a)) {
                at++;
            }
            assertTrue(
                    at < recorded.size(),
                    when + ": " + vm + " was answered " + a + " without its record; last records: "
                            + recorded.subList(Math.max(0, recorded.size() - 12), recorded.size()));
            at++;
        }
    }

    /** Every file of the round on the host, and each of its changes, was announced by an intent record first. */
    private static void assertHostChangesAreRecorded(
            String vm, Path share, String prefix, List<AuditRecord> records, String when) throws Exception {
        Set<String> intents = ConcurrentHashMap.newKeySet();
        for (AuditRecord r : records) {
            if (r.isDecision()
                    && vm.equals(r.vm())
                    && r.detail() != null
                    && r.detail().contains("phase=intent")) {
                intents.add(r.op() + " " + r.path());
                java.util.regex.Matcher to =
                        java.util.regex.Pattern.compile("to=(\\S+)").matcher(r.detail());
                if (to.find()) {
                    intents.add(r.op() + " " + r.path() + " -> " + to.group(1));
                }
                if (r.detail().contains("action=xattr_commit")) {
                    intents.add("xattr " + r.path());
                }
            }
        }
        try (Stream<Path> files = Files.list(share)) {
            for (Path file : files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .toList()) {
                String name = file.getFileName().toString();
                String made = name.replace(prefix + "r", prefix + "f"); // where a renamed file was made
                String why = when + ": " + vm + "'s " + name + " ";
                assertTrue(intents.contains("lcreate /" + made), why + "exists without its create intent");
                if (!made.equals(name)) {
                    assertTrue(
                            intents.contains("renameat /" + made + " -> /" + name),
                            why + "was renamed without a rename intent: " + intents);
                }
                if (Files.size(file) > 0) {
                    assertTrue(intents.contains("write /" + made), why + "holds data without a write intent");
                }
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
                if (!mode.contains(PosixFilePermission.GROUP_READ)) {
                    assertTrue(intents.contains("setattr /" + made), why + "was chmodded without a setattr intent");
                }
            }
        }
        for (String intent : intents) {
            if (intent.startsWith("lcreate /" + prefix)) {
                String name = intent.substring("lcreate /".length());
                if (Files.notExists(share.resolve(name))) {
                    String renamed = name.replace(prefix + "f", prefix + "r");
                    assertTrue(
                            intents.contains("unlinkat /" + name)
                                    || intents.contains("renameat /" + name + " -> /" + renamed)
                                    || intents.stream().noneMatch(i -> i.startsWith("write /" + name)),
                            when + ": " + vm + "'s " + name + " is gone without an unlink or rename intent");
                }
            }
        }
    }

    /** {@code p9gate audit verify} as a reviewer runs it: exit 0, and a crash tail reported as a crash. */
    private static void assertVerifies(SignedLogs logs, String when) {
        SignedLogs.Verified v = logs.verify();
        assertEquals(0, v.exit(), when + ":\n" + v.output());
        assertTrue(v.output().startsWith("OK: "), when + ":\n" + v.output());
    }
}
