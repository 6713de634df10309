package io.p9gate.gateway.adversarial;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-AUD-1, races): two requests on one name, pipelined on one connection so that two workers run them at
 * once. Whatever the host's order, each request is recorded, and its record's final outcome is what the guest was
 * told: Tlcreate against Tmkdir (one makes the name, the other EEXIST or EISDIR), Tremove of a walked fid against a
 * Trenameat of its name, Tsymlink against Tlink onto one name.
 */
class SameNamePipelineRaceAttackTest {
    private static final int ROUNDS = 60;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void eachRacingRequestIsRecordedWithTheOutcomeTheGuestWasTold(Mode mode) throws Exception {
        ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
        try (gw;
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);
            for (int i = 0; i < ROUNDS; i++) {
                Files.writeString(gw.data.resolve("r" + i), "x");
                alpha.walk(0, 1);
                alpha.walk(0, 2, "r" + i);
                alpha.walk(0, 3, "f");
                int before = gw.trail.decisions.size();
                Map<PendingCall, String> calls = new LinkedHashMap<>();
                calls.put(alpha.send(new TMessage.Tlcreate(1, "n" + i, O_RDWR, 0644, 0)), "lcreate n" + i);
                calls.put(alpha.send(new TMessage.Tmkdir(0, "n" + i, 0755, 0)), "mkdir n" + i);
                calls.put(alpha.send(new TMessage.Tremove(2)), "remove r" + i);
                calls.put(alpha.send(new TMessage.Trenameat(0, "r" + i, 0, "m" + i)), "rename r" + i);
                calls.put(alpha.send(new TMessage.Tsymlink(0, "l" + i, "f", 0)), "symlink l" + i);
                calls.put(alpha.send(new TMessage.Tlink(0, 3, "l" + i)), "link l" + i);
                Map<Integer, Errno> told = new LinkedHashMap<>();
                Map<Integer, String> names = new LinkedHashMap<>();
                for (var call : calls.entrySet()) {
                    told.put(call.getKey().tag(), errno(alpha, call.getKey()));
                    names.put(call.getKey().tag(), call.getValue());
                }
                List<AuditEntry> round = new ArrayList<>(gw.trail.decisions.subList(before, gw.trail.decisions.size()));
                for (var t : told.entrySet()) {
                    List<AuditEntry> mine =
                            round.stream().filter(e -> e.tag() == t.getKey()).toList();
                    String what = names.get(t.getKey()) + " told " + t.getValue() + ", records " + mine;
                    assertFalse(mine.isEmpty(), what);
                    AuditEntry last = mine.getLast();
                    Errno recorded = last.phase() == RecordPhase.INTENT
                            ? null
                            : last.outcome().errno();
                    assertEquals(t.getValue(), recorded, what);
                }
                List<Errno> pair = new ArrayList<>(told.values());
                boolean created = pair.get(0) == null;
                assertEquals(created, pair.get(1) != null, "one of lcreate/mkdir " + pair);
                assertEquals(created, Files.isRegularFile(gw.data.resolve("n" + i), NOFOLLOW_LINKS), "n" + i);
                boolean removed = pair.get(2) == null;
                boolean renamed = pair.get(3) == null;
                assertTrue(removed || renamed, "remove/rename " + pair);
                assertFalse(Files.exists(gw.data.resolve("r" + i), NOFOLLOW_LINKS), "r" + i);
                assertEquals(renamed && !removed, Files.exists(gw.data.resolve("m" + i), NOFOLLOW_LINKS), "m" + i);
                if (removed) {
                    // Where the fid's file was when it went: its old name, or the one the rename gave it first.
                    String at = renamed ? "m" + i : "r" + i;
                    assertEquals(
                            List.of(at), recorded(round, calls, 2).request().paths(), "remove " + pair);
                }
                boolean symlinked = pair.get(4) == null;
                assertEquals(symlinked, pair.get(5) != null, "one of symlink/link " + pair);
                assertEquals(symlinked, Files.isSymbolicLink(gw.data.resolve("l" + i)), "l" + i);
                alpha.clunk(1); // the Tlcreate's open fid, or the walked one it left
                alpha.clunk(3);
                assertEquals(
                        Errno.EBADF,
                        assertThrows(P9Exception.class, () -> alpha.clunk(2)).errno(),
                        "Tremove clunks its fid whatever its outcome");
            }
        }
    }

    /**
     * A Trenameat onto a name, pipelined with a Tremove of a fid walked to the file it replaces: in either serial
     * order the file renamed there stays (remove first: the rename makes it; rename first: the fid's file is no longer
     * there to remove). {@code ShareRoot.locate} checks that the name still holds the fid's file, then
     * {@code Entries.unlinkAt} unlinks the name: a rename between the two makes the Tremove unlink the file renamed
     * onto the name, answered and recorded as the removal of the fid's file. Without a quota nothing ordered the two
     * (with one, QuotaAccounting's inode locks order them within one VM only), nor another VM's rename onto the name:
     * {@code EntryLocks} orders them now, gateway-wide.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aTremoveOfAReplacedFileNeverTakesTheFileRenamedOntoItsName(Mode mode) throws Exception {
        assertNoRenamedFileLost(mode, i -> new TMessage.Tremove(1), false);
    }

    /**
     * As a Tremove, a Trename through the fid of the file a Trenameat replaces: in either serial order the file renamed
     * onto the name stays there (Trename first: the fid's file goes to its new name; Trenameat first: ENOENT).
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aTrenameOfAReplacedFileNeverMovesTheFileRenamedOntoItsName(Mode mode) throws Exception {
        assertNoRenamedFileLost(mode, i -> new TMessage.Trename(1, 0, "u" + i), true);
    }

    /**
     * 500 rounds of a Trenameat s->t pipelined with {@code onT}, a request through fid 1, walked to t, which
     * {@code keepsFid} or clunks.
     */
    private void assertNoRenamedFileLost(Mode mode, IntFunction<TMessage> onT, boolean keepsFid) throws Exception {
        ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
        List<String> lost = new ArrayList<>();
        try (gw;
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);
            for (int i = 0; i < 500; i++) {
                Files.writeString(gw.data.resolve("s" + i), "moved in");
                Files.writeString(gw.data.resolve("t" + i), "replaced");
                alpha.walk(0, 1, "t" + i);
                PendingCall rename = alpha.send(new TMessage.Trenameat(0, "s" + i, 0, "t" + i));
                PendingCall other = alpha.send(onT.apply(i));
                alpha.await(rename);
                Errno told = errno(alpha, other);
                Path t = gw.data.resolve("t" + i);
                if (!Files.exists(t, NOFOLLOW_LINKS) || !Files.readString(t).equals("moved in")) {
                    lost.add("t" + i + " (told " + told + ")");
                }
                if (keepsFid) {
                    alpha.clunk(1);
                }
            }
        }
        assertEquals(List.of(), lost, lost.size() + " of 500 renamed files lost");
    }

    /** The first record of the {@code n}th request sent. */
    private static AuditEntry recorded(List<AuditEntry> round, Map<PendingCall, String> calls, int n) {
        int tag = new ArrayList<>(calls.keySet()).get(n).tag();
        return round.stream().filter(e -> e.tag() == tag).findFirst().orElseThrow();
    }

    /** The errno {@code call} was answered, null for success. */
    static Errno errno(P9Client client, PendingCall call) throws IOException {
        try {
            client.await(call);
            return null;
        } catch (P9Exception e) {
            return e.errno();
        }
    }
}
