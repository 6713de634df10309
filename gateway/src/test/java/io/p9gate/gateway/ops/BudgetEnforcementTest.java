package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2 through the FileServer: each per-VM budget refuses its VM with the errno the guest is promised, the
 * refusal is recorded as a denial whose rule is the budget, and what is given back can be taken again.
 */
class BudgetEnforcementTest {
    private static final long LOTS = 1_000_000;

    @TempDir
    Path tmp;

    Path share;
    ShareServerFactory factory;
    final List<AuditEntry> records = new CopyOnWriteArrayList<>();
    /** Records of this operation cannot be written (EIO), as when the audit disk fails. */
    volatile Operation failingRecord;

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        for (String name : List.of("a", "b", "c")) {
            Files.writeString(share.resolve(name), name);
        }
        AuditTrail audit = entry -> {
            if (entry.request().operation() == failingRecord) {
                throw new P9Exception(Errno.EIO, "audit disk full");
            }
            records.add(entry);
            return records.size();
        };
        factory = new ShareServerFactory(Map.of("share", share), new AllowAll(), audit);
    }

    @AfterEach
    void tearDown() {
        factory.close();
    }

    private static VmBudget vm(long fids, long descriptors, long xattrBytes, long locks) {
        return new VmBudget("vm", new Limits(LOTS, LOTS, fids, descriptors, xattrBytes, locks, LOTS, 1), null);
    }

    private TestSession attached(VmBudget budget) throws Exception {
        TestSession s = TestSession.open(factory, budget);
        s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "share", 0));
        return s;
    }

    private AuditEntry lastRecord() {
        return records.getLast();
    }

    private void assertRefusedBy(String rule, Errno errno) {
        AuditEntry last = lastRecord();
        assertFalse(last.decision().allowed(), "recorded as a denial: " + last);
        assertEquals(List.of(rule), last.decision().ruleIds());
        assertEquals(errno, last.outcome().errno());
    }

    @Test
    void fidsPastTheBudgetAreRefusedWithEmfileAcrossTheVmsSessions() throws Exception {
        VmBudget budget = vm(3, LOTS, LOTS, LOTS);
        try (TestSession one = attached(budget);
                TestSession two = attached(budget)) {
            one.walk(0, 1);
            assertEquals(Errno.EMFILE, two.fails(new TMessage.Twalk(0, 1, List.of())), "4th fid of the VM");
            assertRefusedBy("budget.fids", Errno.EMFILE);
            assertEquals(Errno.EMFILE, two.fails(new TMessage.Tattach(5, TMessage.NOFID, "root", "share", 0)));
            two.walk(0, 0, "a"); // replacing a fid takes none
            one.clunk(1);
            two.walk(0, 1);
            assertEquals(3, budget.fids().used());
        }
        assertEquals(0, budget.fids().used(), "closing the sessions gives their fids back");
    }

    @Test
    void descriptorsPastTheBudgetAreRefusedWithEmfileAndCloneWalksTakeNone() throws Exception {
        VmBudget budget = vm(LOTS, 2, LOTS, LOTS);
        try (TestSession s = attached(budget)) {
            s.walk(0, 1, "a");
            s.walk(0, 2, "b");
            assertEquals(Errno.EMFILE, s.fails(new TMessage.Twalk(0, 3, List.of("c"))));
            assertRefusedBy("budget.descriptors", Errno.EMFILE);
            s.walk(1, 4); // a clone shares its handle
            s.clunk(2);
            s.walk(0, 3, "c");
            assertEquals(2, budget.descriptors().used());
        }
        assertEquals(0, budget.descriptors().used());
    }

    @Test
    void aCreateWithoutADescriptorLeftCreatesNothingAndItsFileAndHandleShareOne() throws Exception {
        VmBudget budget = vm(LOTS, 1, LOTS, LOTS);
        try (TestSession s = attached(budget)) {
            s.walk(0, 1, "a");
            s.walk(0, 2);
            assertEquals(Errno.EMFILE, s.fails(new TMessage.Tlcreate(2, "new", 0, 0644, 0)), "needs one, none left");
            assertFalse(Files.exists(share.resolve("new")), "no file made for a request refused");
            s.clunk(1);
            s.lcreate(2, "new", 0, 0644);
            assertTrue(Files.exists(share.resolve("new")));
            assertEquals(1, budget.descriptors().used(), "the create's descriptor is its handle too (issue 11)");
        }
        assertEquals(0, budget.descriptors().used());
    }

    @Test
    void pendingXattrBytesPastTheBudgetAreRefusedWithEnospc() throws Exception {
        VmBudget budget = vm(LOTS, LOTS, 100, LOTS);
        try (TestSession s = attached(budget)) {
            s.walk(0, 1, "a");
            s.walk(0, 2, "a");
            s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(1, "user.x", 60, 0));
            assertEquals(Errno.ENOSPC, s.fails(new TMessage.Txattrcreate(2, "user.y", 60, 0)));
            assertRefusedBy("budget.xattr-bytes", Errno.ENOSPC);
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tclunk(1)), "announced, never written");
            s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(2, "user.y", 60, 0));
            assertEquals(60, budget.xattrBytes().used());
        }
        assertEquals(0, budget.xattrBytes().used(), "a pending value dies with its session");
    }

    /**
     * A Txattrcreate that was allowed but whose record could not be written is EIO and leaves no fid: the value it
     * had already charged must be given back, or every such failure shrinks the VM's budget for good.
     */
    @Test
    void anUnrecordedTxattrcreateGivesItsBytesBack() throws Exception {
        VmBudget budget = vm(LOTS, LOTS, 100, LOTS);
        try (TestSession s = attached(budget)) {
            s.walk(0, 1, "a");
            failingRecord = Operation.XATTR_CREATE;
            assertEquals(Errno.EIO, s.fails(new TMessage.Txattrcreate(1, "user.x", 60, 0)));
            assertEquals(0, budget.xattrBytes().used(), "nothing holds the value");
            failingRecord = null;
            s.walk(0, 2, "a");
            s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(2, "user.x", 60, 0));
        }
    }

    @Test
    void lockEntriesPastTheBudgetAreRefusedWithEnolck() throws Exception {
        VmBudget budget = vm(LOTS, LOTS, LOTS, 3);
        try (TestSession s = attached(budget)) {
            s.walk(0, 1, "a");
            s.lopen(1, 2);
            assertEquals(LockConstants.LOCK_SUCCESS, lock(s, LockConstants.LOCK_TYPE_WRLCK, 0), "a range, an owner");
            assertEquals(LockConstants.LOCK_SUCCESS, lock(s, LockConstants.LOCK_TYPE_WRLCK, 10));
            assertEquals(LockConstants.LOCK_SUCCESS, lock(s, LockConstants.LOCK_TYPE_WRLCK, 1), "merges: no entry");
            assertEquals(Errno.ENOLCK, s.fails(lockRequest(LockConstants.LOCK_TYPE_WRLCK, 20)));
            assertRefusedBy("budget.locks", Errno.ENOLCK);
            assertEquals(LockConstants.LOCK_SUCCESS, lock(s, LockConstants.LOCK_TYPE_UNLCK, 10));
            assertEquals(LockConstants.LOCK_SUCCESS, lock(s, LockConstants.LOCK_TYPE_WRLCK, 20));
            assertEquals(3, budget.locks().used(), "two ranges and the owner the fid remembers");
            s.clunk(1);
            assertEquals(0, budget.locks().used(), "a clunk gives its locks back");
        }
    }

    /**
     * A fid remembers each owner that locked through it while the owner holds a lock on its file, so that its clunk
     * releases them. Owners holding locks within the budget, each locking again through each of many open fids,
     * made the fids remember owners x fids entries (about 400 bytes each; 1,000 owners and 9,000 fids: 9 million)
     * that no budget counted. Each (fid, owner) entry is one of the VM's lock entries: past the budget ENOLCK.
     */
    @Test
    void lockOwnersRememberedByFidsAreLockEntries() throws Exception {
        int owners = 8;
        int fids = 16;
        int budgetEntries = 40;
        VmBudget budget = vm(LOTS, LOTS, LOTS, budgetEntries);
        Map<String, Integer> outcomes = new TreeMap<>();
        try (TestSession s = attached(budget)) {
            for (int fid = 1; fid <= fids; fid++) {
                s.walk(0, fid, "a");
                s.lopen(fid, 2);
            }
            for (int owner = 0; owner < owners; owner++) {
                assertEquals(LockConstants.LOCK_SUCCESS, ownerLock(s, 1, owner, LockConstants.LOCK_TYPE_RDLCK));
            }
            for (int fid = 2; fid <= fids; fid++) {
                for (int owner = 0; owner < owners; owner++) {
                    try {
                        int status = ownerLock(s, fid, owner, LockConstants.LOCK_TYPE_RDLCK);
                        outcomes.merge("status " + status, 1, Integer::sum);
                    } catch (P9Exception e) {
                        outcomes.merge(e.errno().name(), 1, Integer::sum);
                    }
                }
            }
            // 8 ranges and fid 1's 8 owners leave 24 entries: 24 more (fid, owner) pairs, the other 96 refused.
            int accepted = budgetEntries - 2 * owners;
            assertEquals(
                    Map.of("status " + LockConstants.LOCK_SUCCESS, accepted, "ENOLCK", (fids - 1) * owners - accepted),
                    outcomes,
                    "each (fid, owner) pair remembered is a lock entry of the VM");
            assertRefusedBy("budget.locks", Errno.ENOLCK);
            assertEquals(budgetEntries, budget.locks().used());
            assertEquals(
                    LockConstants.LOCK_SUCCESS,
                    ownerLock(s, 2, 0, LockConstants.LOCK_TYPE_RDLCK),
                    "an owner its fid remembers takes no entry");
            assertEquals(LockConstants.LOCK_SUCCESS, ownerLock(s, 1, 0, LockConstants.LOCK_TYPE_UNLCK));
            assertEquals(budgetEntries - 2, budget.locks().used(), "its range, and fid 1 forgets the owner");
            for (int fid = 1; fid <= fids; fid++) {
                s.clunk(fid);
            }
            assertEquals(0, budget.locks().used(), "clunks give every range and pair back");
        }
    }

    private static int ownerLock(TestSession s, int fid, int owner, int type) throws Exception {
        return s.expect(RMessage.Rlock.class, new TMessage.Tlock(fid, type, 0, 0, 1, owner, "guest"))
                .status();
    }

    private static TMessage.Tlock lockRequest(int type, long start) {
        return new TMessage.Tlock(1, type, 0, start, 1, 42, "guest");
    }

    private static int lock(TestSession s, int type, long start) throws Exception {
        return s.expect(RMessage.Rlock.class, lockRequest(type, start)).status();
    }
}
