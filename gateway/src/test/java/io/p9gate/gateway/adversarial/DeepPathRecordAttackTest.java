package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.PolicyHolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, the audit log): the gateway serves trees deeper than PATH_MAX (issue 15), and every record
 * carried its request's whole path. 300 nested directories of 254-byte names of 'é' (each 6 bytes in a record,
 * {@code \u00e9}) made each Tgetattr record there 229 KB: one VM wrote 46 MB of log in 0.9 s. A path that would take
 * more than 4,095 bytes of a record is recorded abbreviated (its first names, its length, its SHA-256), so a record stays a few KB
 * however deep the guest goes; the policy still decides on the whole path.
 */
class DeepPathRecordAttackTest {
    private static final int ROOT = 0;
    /** 254 bytes in UTF-8, 127 characters, 762 bytes in a record. */
    private static final String LEVEL = "é".repeat(127);
    /** 16 levels: "/" + 254 bytes each, 4,080 bytes of UTF-8, within PATH_MAX (12 KB in a record: abbreviated). */
    private static final int WITHIN_PATH_MAX = 16;
    /** 10,200 bytes of path: 30 KB in each record before. */
    private static final int LEVELS = 40;
    /** A record beyond PATH_MAX, whatever its depth (a rename carries two paths). */
    private static final int RECORD_BOUND = 8 << 10;

    private static final int O_RDWR = 2;
    private static final long ALL_ATTRS = 0x7ff;

    @TempDir
    Path tmp;

    private Path share;

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTrees() throws Exception {
        if (share != null) {
            Process rm = new ProcessBuilder("rm", "-rf", share.toString())
                    .inheritIO()
                    .start();
            assertEquals(0, rm.waitFor());
        }
    }

    @Test
    void everyRecordOfARequestBeyondPathMaxStaysUnder8KiB() throws Exception {
        List<Integer> sizes;
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        try (rig;
                P9Client alpha = rig.alpha()) {
            share = rig.policy.data;
            int within = descend(alpha, ROOT, 1, WITHIN_PATH_MAX);
            int first = lineCount(rig); // from here on every request names a path beyond 4,095 bytes
            int deep = descend(alpha, within, WITHIN_PATH_MAX + 1, LEVELS - WITHIN_PATH_MAX);
            for (int i = 0; i < 20; i++) {
                alpha.getattr(deep, ALL_ATTRS); // the attack: 15 bytes a request
            }
            alpha.walk(deep, 100);
            alpha.lcreate(100, "f", O_RDWR, 0644, 0);
            alpha.write(100, 0, "deep".getBytes(StandardCharsets.UTF_8));
            assertEquals("deep", new String(alpha.read(100, 0, 4), StandardCharsets.UTF_8));
            alpha.clunk(100);
            alpha.renameat(deep, "f", deep, "g"); // source and destination beyond PATH_MAX
            alpha.walk(deep, 101, "g");
            alpha.getattr(101, ALL_ATTRS);
            alpha.clunk(101);
            assertFails(Errno.ENOENT, "a name that is not there", () -> alpha.walk(deep, 102, "missing"));
            assertFails(Errno.EACCES, "no-scripts, decided on the whole path", () -> {
                alpha.walk(deep, 103);
                alpha.lcreate(103, "x.sh", O_RDWR, 0644, 0);
            });
            alpha.unlinkat(deep, "g", 0);
            sizes = lineSizes(rig).subList(first, lineCount(rig));
        }
        assertTrue(sizes.size() > 40, "the deep requests were recorded: " + sizes.size());
        int largest = Collections.max(sizes);
        assertTrue(largest < RECORD_BOUND, "a record beyond PATH_MAX has " + largest + " bytes");

        // What the records say: where (the first names), how long, and which path (its SHA-256).
        String deepPath = "/" + String.join("/", Collections.nCopies(LEVELS, LEVEL));
        List<AuditRecord> records = rig.logs.records();
        AuditRecord getattr = records.stream()
                .filter(r -> "getattr".equals(r.op()))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(AbbreviatedPath.stored(deepPath + "/g"), getattr.path());
        AbbreviatedPath told = AbbreviatedPath.of(getattr.path()).orElseThrow();
        byte[] whole = (deepPath + "/g").getBytes(StandardCharsets.UTF_8);
        assertEquals(whole.length, told.bytes());
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole)), told.sha256());
        assertEquals("/" + LEVEL, told.prefix(), "the names in 1 KiB of record bytes (763 each)");
        AuditRecord rename = records.stream()
                .filter(r -> "renameat".equals(r.op()))
                .findFirst()
                .orElseThrow();
        assertTrue(AbbreviatedPath.names(rename.path(), deepPath + "/f"), rename.path());
        assertTrue(
                rename.detail().contains(" to=" + DetailWords.word(AbbreviatedPath.stored(deepPath + "/g")) + " "),
                rename.detail());
        assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
    }

    /**
     * The decision is made on the whole path: a hidden and a read-only subtree 2,800 bytes down (deeper than the
     * part of a path a record keeps) still cover what lies beyond PATH_MAX below them, and only that.
     */
    @Test
    void subtreesWithinPathMaxStillRuleWhatLiesBeyondItBelowThem() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            share = rig.policy.data;
            int top = descend(alpha, ROOT, 1, 11); // 2,805 bytes
            int hidden = branch(alpha, top, "hidden", 20); // 4,852 bytes: beyond PATH_MAX
            int readOnly = branch(alpha, top, "readonly", 40);
            int open = branch(alpha, top, "open", 60);
            String base = "/" + String.join("/", Collections.nCopies(11, LEVEL));
            String policy = rig.policy
                    .policy("")
                    .replace("hidden: [/secret]", "hidden: [/secret, \"" + base + "/hidden\"]")
                    .replace("read-only: [/base]", "read-only: [/base, \"" + base + "/readonly\"]");
            Files.writeString(rig.policy.policyFile, policy, StandardCharsets.UTF_8);
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());

            assertFails(Errno.ENOENT, "Tgetattr under the hidden subtree", () -> alpha.getattr(hidden, ALL_ATTRS));
            assertFails(Errno.ENOENT, "Tmkdir under the hidden subtree", () -> alpha.mkdir(hidden, "x", 0755, 0));
            alpha.getattr(readOnly, ALL_ATTRS);
            assertFails(Errno.EROFS, "Tmkdir under the read-only subtree", () -> alpha.mkdir(readOnly, "x", 0755, 0));
            alpha.getattr(open, ALL_ATTRS);
            alpha.mkdir(open, "x", 0755, 0);
        }
    }

    /** Makes {@code name} below {@code fid} and 8 levels below it, walking {@code next}..; returns the deepest fid. */
    private static int branch(P9Client c, int fid, String name, int next) throws Exception {
        c.mkdir(fid, name, 0755, 0);
        c.walk(fid, next, name);
        return descend(c, next, next + 1, 8);
    }

    /** Makes {@code levels} directories of {@link #LEVEL} below {@code fid}, walking {@code next}.. to each. */
    private static int descend(P9Client c, int fid, int next, int levels) throws Exception {
        int at = fid;
        for (int i = 0; i < levels; i++) {
            c.mkdir(at, LEVEL, 0755, 0);
            c.walk(at, next + i, LEVEL);
            at = next + i;
        }
        return at;
    }

    private static void assertFails(Errno expected, String request, Executable call) {
        P9Exception e = assertThrows(P9Exception.class, call, request);
        assertEquals(expected, e.errno(), request + ": " + e.getMessage());
    }

    private static int lineCount(AuditedPolicyGateway rig) throws Exception {
        return lineSizes(rig).size();
    }

    /** The size of each stored record, in log order. */
    private static List<Integer> lineSizes(AuditedPolicyGateway rig) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        SegmentReader.forEachLine(rig.logs.dir, line -> sizes.add(line.bytes().length));
        return sizes;
    }
}
