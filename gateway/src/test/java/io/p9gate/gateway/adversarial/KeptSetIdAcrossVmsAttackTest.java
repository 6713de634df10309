package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (one VM hurting another): alpha's root keeps a set-uid program for its guest only (fs.SetIdBits: the
 * bits live in an xattr, alpha's kernel honours them). Beta shares the folder and may write the file. Whatever beta
 * writes into it must clear those bits for alpha, as Linux clears them at a write by anyone without CAP_FSETID over
 * the file: else every user of alpha runs beta's code as alpha's root. Two ways beta's write kept them: (1) beta's
 * root counted as the owner's root (uid 0 keeps the bits) though alpha's root is outside beta's map, as Linux
 * refuses CAP_FSETID of a user namespace over an inode whose owner it cannot name; (2) after a restart, a share
 * inside a marked share (its root not itself marked) never read the kept bits, so no write through it cleared them.
 * And (3) beta's root could chmod alpha's root's file set-uid after writing its code into it: alpha was shown it.
 */
class KeptSetIdAcrossVmsAttackTest {
    private static final int O_RDWR = 2;
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 01000;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final byte[] TROJAN = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsRootWritingAlphasSetUidProgramClearsItsBitsForAlpha(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            plantSetUidProgram(alpha, "su");
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            assertEquals(0755, modeSeen(alpha, "su"), "beta's root is not alpha's: its write clears set-uid");
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsRootTruncatingAlphasSetUidProgramClearsItsBitsForAlpha(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            plantSetUidProgram(alpha, "su");
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            beta.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(0755, modeSeen(alpha, "su"), "beta's root is not alpha's: its truncate clears set-uid");
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsRootCannotMakeAlphasFileSetUidForAlpha(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig rig = new OwnershipRig(policy(share, share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "tool", O_RDWR, 0755, 0);
            alpha.clunk(1);
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "tool");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            P9Exception refused = assertThrows(
                    P9Exception.class,
                    () -> beta.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0)));
            assertEquals(Errno.EPERM, refused.errno(), "Linux: no CAP_FOWNER over an owner outside the map");
            AuditEntry last = rig.trail.decisions.getLast();
            assertEquals(Errno.EPERM, last.outcome().errno(), "the record's errno is the guest's: " + last);
            assertEquals(0755, modeSeen(alpha, "tool"), "beta's root may not chmod alpha's root's file set-uid");
            beta.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0700, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(0700, modeSeen(alpha, "tool"), "a chmod without set-id bits is as before");
        }
    }

    /**
     * (4) Set-gid without group-execute grants nothing by itself, so beta's root could keep it on alpha's root's file
     * after writing its code there; alpha's root's next {@code chmod +x} (the guest kernel sends the mode it sees plus
     * x: 02755) then made a set-gid root-group program of beta's code for every user of alpha. Linux never lets beta
     * set it: no CAP_FOWNER or CAP_FSETID over an inode whose ids its namespace cannot name.
     */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsRootCannotLeaveSetGidOnAlphasFileForAlphasNextChmodPlusX(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig rig = new OwnershipRig(policy(share, share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "script", O_RDWR, 0644, 0);
            alpha.clunk(1);
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "script");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            P9Exception refused = assertThrows(
                    P9Exception.class,
                    () -> beta.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 02644, 0, 0, 0, 0, 0, 0, 0)));
            assertEquals(Errno.EPERM, refused.errno(), "Linux: no CAP_FSETID over a group outside the map");
            AuditEntry last = rig.trail.decisions.getLast();
            assertEquals(Errno.EPERM, last.outcome().errno(), "the record's errno is the guest's: " + last);
            int seen = modeSeen(alpha, "script");
            assertEquals(0644, seen, "alpha is shown no set-gid beta left");
            alpha.walk(0, 2, "script");
            alpha.setattr(2, new SetAttr(SetAttr.SETATTR_MODE, seen | 0111, 0, 0, 0, 0, 0, 0, 0)); // chmod +x
            assertEquals(0755, modeSeen(alpha, "script"), "alpha's chmod +x makes no set-gid program of beta's code");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aWriteThroughAShareInsideAMarkedOneClearsTheKeptBitsAfterARestart(int betaUid) throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("shared"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Path policy = policy(outer, inner);
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "inner");
            plantSetUidProgram(alpha, 1, "su");
        }
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            assertEquals(04755, modeSeen(alpha, "inner/su"), "alpha still sees the bits it kept");
            beta.attach(0, "root", "data", betaUid);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            assertEquals(0755, modeSeen(alpha, "inner/su"), "beta's write through its inner share clears set-uid");
        }
    }

    /**
     * Beta's share is a bind mount of a directory inside alpha's marked share: its climb of ".." leaves through the
     * mount point and passes no root of alpha's, yet it is alpha's folder. After a restart it read no kept bits, so
     * beta's write into alpha's root's set-uid program left it set-uid for alpha.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aWriteThroughABindMountInsideAMarkedShareClearsTheKeptBitsAfterARestart(int betaUid) throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("shared"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Path mounted = Files.createDirectories(tmp.resolve("beta-mnt"));
        assumeTrue(run("mount", "--bind", inner.toString(), mounted.toString()) == 0, "bind mounts need root");
        try {
            Path policy = policy(outer, mounted);
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner");
                plantSetUidProgram(alpha, 1, "su");
            }
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                    P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
                alpha.attach(0, "root", "data", 0);
                assertEquals(04755, modeSeen(alpha, "inner/su"), "alpha still sees the bits it kept");
                writeTrojan(beta, betaUid);
                assertEquals(0755, modeSeen(alpha, "inner/su"), "beta's write through its bind mount clears set-uid");
            }
        } finally {
            run("umount", "-l", mounted.toString());
        }
    }

    /**
     * (5) The owner writing its own file keeps set-gid without group-execute (SetIdBits.modified), but beta is shown
     * alpha's file as owned by the overflow id (4294967294), a uid beta's root may run a process as: beta's user of
     * that uid passed for the file's owner, so its write left alpha's kept set-gid, and alpha's next chmod +x made a
     * set-gid program of beta's code. An owner the writer's map does not name is nobody's: the write drops it.
     */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aWriterWhoseUidIsTheOverflowIdIsNotTheOwnerOfAnotherVmsFile(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            keepSetGidWithoutGroupExecute(alpha, "script");
            int overflow = -2; // (u32)-2, 4294967294: the default overflow id
            beta.attach(0, "nobody", "data", overflow);
            beta.walk(0, 1, "script");
            assertEquals(overflow, beta.getattr(1, GETATTR_BASIC).uid(), "beta is shown the overflow owner");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            assertEquals(0646, modeSeen(alpha, "script"), "beta's user is not the owner: its write drops set-gid");
        }
    }

    /**
     * (5) under a squash: beta's every id is host 3100, which its map names and shows as guest 3100, a uid its root may
     * run a process as. Alpha's root's file is shown to beta as the overflow owner, not 3100: beta's user 3100 is not
     * its owner, and its write drops alpha's kept set-gid without group-execute (no defect found: pinned).
     */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aWriterWhoseUidIsTheSquashIdIsNotTheOwnerOfAnotherVmsFile(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), 100000, share),
                OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 200000, share)
                        .replace("{ranges: [{guest: 0, host: 200000, count: 65536}]}", "{squash: 3100}"));
        assertTrue(Files.readString(policy).contains("squash: 3100"), "beta squashes");
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            keepSetGidWithoutGroupExecute(alpha, "script");
            beta.attach(0, "squashed", "data", 3100);
            beta.walk(0, 1, "script");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            assertEquals(0646, modeSeen(alpha, "script"), "beta's user 3100 is not the owner: its write drops set-gid");
        }
    }

    /**
     * An open with O_TRUNC truncates as a Tsetattr of size 0 does, and Linux clears set-id bits there too
     * (do_truncate: ATTR_KILL_SUID for a caller without CAP_FSETID over the file): beta's root emptied alpha's root's
     * set-uid program through a Tlopen, or a Tlcreate of the existing name, and alpha still saw it set-uid.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anotherVmsRootOpeningAlphasSetUidProgramWithOTruncClearsItsBits(boolean byCreate) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, share), OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            plantSetUidProgram(alpha, "su");
            beta.attach(0, "root", "data", 0);
            if (byCreate) {
                beta.walk(0, 1);
                beta.lcreate(1, "su", O_WRONLY | O_TRUNC, 0644, 0);
            } else {
                beta.walk(0, 1, "su");
                beta.lopen(1, O_WRONLY | O_TRUNC);
            }
            assertEquals(0755, modeSeen(alpha, "su"), "beta's root is not alpha's: its O_TRUNC clears set-uid");
        }
    }

    /**
     * The mark is on the root of the share the bits were kept through: a restart whose policy no longer serves
     * alpha's share left beta's share inside it reading no kept bits, so beta's write kept them, and alpha, served
     * again at the next start, ran beta's code as its root. A reload cannot do this: it never opens or closes a share
     * (a share's directory is opened at start), so the inner share of a gateway that opened both keeps reading them.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aShareInsideAMarkedOneServedAloneAfterARestartClearsTheKeptBits(int betaUid) throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("shared"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Path both = policy(outer, inner);
        try (OwnershipRig _ = new OwnershipRig(both, OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "inner");
            plantSetUidProgram(alpha, 1, "su");
        }
        Path betaOnly = OwnershipRig.policy(
                tmp.resolve("beta-only.yaml"), OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 200000, inner));
        try (OwnershipRig _ = new OwnershipRig(betaOnly, OwnershipMode.CHOWN); // restarted without alpha's share
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            beta.attach(0, "root", "data", betaUid);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
        }
        try (OwnershipRig _ = new OwnershipRig(both, OwnershipMode.CHOWN); // alpha's share served again
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            assertEquals(0755, modeSeen(alpha, "inner/su"), "beta's write while alpha was not served cleared set-uid");
        }
    }

    /**
     * After a restart, a share of the same file system as a marked one but neither inside nor around it never
     * read the kept bits: a host hard link of alpha's root's set-uid program in beta's share let beta's write keep it
     * set-uid for alpha.
     */
    @Test
    void aWriteThroughAHostHardLinkInADisjointShareClearsTheKeptBitsAfterARestart() throws Exception {
        Path alphaShare = Files.createDirectories(tmp.resolve("a"));
        Path betaShare = Files.createDirectories(tmp.resolve("b"));
        Path program = alphaShare.resolve("su");
        Files.write(program, TROJAN);
        Files.setAttribute(program, "unix:uid", 100000, LinkOption.NOFOLLOW_LINKS); // alpha's root's
        Files.setAttribute(program, "unix:gid", 100000, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(program, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        Files.createLink(betaShare.resolve("su"), program); // the host's hard link
        Path policy = policy(alphaShare, betaShare);
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "su");
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha keeps its set-uid bit");
        }
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            assertEquals(04755, modeSeen(alpha, "su"), "alpha still sees the bits it kept");
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
            assertEquals(0755, modeSeen(alpha, "su"), "beta's write through its hard link clears set-uid");
        }
    }

    /**
     * Alpha's share is a directory of an overlay mount, beta's the upper directory around it: the same inodes,
     * written through either, but the overlay's st_dev is not the upper file system's, alpha's climb leaves the
     * overlay at its mount point and beta's root holds no mark. After a restart beta read no kept bits, so its write
     * into alpha's root's set-uid program left it set-uid for alpha.
     */
    @Test
    void aWriteThroughTheUpperDirectoryOfAMarkedOverlayShareClearsTheKeptBitsAfterARestart() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        assumeTrue(
                run(
                                "mount",
                                "-t",
                                "overlay",
                                "overlay",
                                "-o",
                                "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work,
                                merged.toString())
                        == 0,
                "overlay mounts need root");
        try {
            Files.createDirectories(merged.resolve("sub"));
            Path policy = policy(merged.resolve("sub"), upper);
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                plantSetUidProgram(alpha, "su");
            }
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                    P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
                alpha.attach(0, "root", "data", 0);
                assertEquals(04755, modeSeen(alpha, "su"), "alpha still sees the bits it kept");
                beta.attach(0, "root", "data", 0);
                beta.walk(0, 1, "sub", "su");
                beta.lopen(1, O_WRONLY);
                assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
                assertEquals(0755, modeSeen(alpha, "su"), "beta's write through the upper directory clears set-uid");
            }
        } finally {
            run("umount", "-l", merged.toString());
        }
    }

    /**
     * As above, but the start between serves beta's share alone (alpha's VM taken out of the policy for a while): no
     * open share reads kept bits, beta's root holds no mark and none lies above it, so beta's write through its host
     * hard link kept alpha's root's program set-uid for alpha when alpha was served again: the mark is on the root of
     * the share the bits were kept through only, and nothing at a share's open tells it of a hard link.
     */
    @Test
    void aWriteThroughAHostHardLinkInADisjointShareServedAloneClearsTheKeptBits() throws Exception {
        Path alphaShare = Files.createDirectories(tmp.resolve("a"));
        Path betaShare = Files.createDirectories(tmp.resolve("b"));
        Path program = alphaShare.resolve("su");
        Files.write(program, TROJAN);
        Files.setAttribute(program, "unix:uid", 100000, LinkOption.NOFOLLOW_LINKS); // alpha's root's
        Files.setAttribute(program, "unix:gid", 100000, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(program, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        Files.createLink(betaShare.resolve("su"), program); // the host's hard link
        Path policy = policy(alphaShare, betaShare);
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "su");
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha keeps its set-uid bit");
        }
        Path betaAlone = OwnershipRig.policy(
                tmp.resolve("beta-alone.yaml"), OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 200000, betaShare));
        try (OwnershipRig _ = new OwnershipRig(betaAlone, OwnershipMode.CHOWN);
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_WRONLY);
            assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
        }
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            assertEquals(0755, modeSeen(alpha, "su"), "beta's write through its hard link cleared set-uid");
        }
    }

    /**
     * Alpha's share holds another file system mounted inside it (a tmpfs here; a nested btrfs subvolume, a zfs
     * dataset alike), and beta's share is a bind mount of a directory of that inner file system: the two roots'
     * st_dev differ, both are self-contained file systems, beta's climb leaves through its own mount point and
     * alpha's passes no root of beta's. After a restart beta read no kept bits, so its write into alpha's root's
     * set-uid program left it set-uid for alpha.
     */
    @Test
    void aWriteThroughABindMountOfAFileSystemMountedInsideAMarkedShareClearsTheKeptBits() throws Exception {
        Path top = Files.createDirectories(tmp.resolve("top"));
        assumeTrue(run("mount", "-t", "tmpfs", "top", top.toString()) == 0, "mounts need root");
        Path inner = Files.createDirectories(top.resolve("shared").resolve("inner"));
        Path mounted = Files.createDirectories(tmp.resolve("beta-mnt"));
        try {
            assertEquals(0, run("mount", "-t", "tmpfs", "inner", inner.toString()));
            Files.createDirectories(inner.resolve("bin"));
            assertEquals(0, run("mount", "--bind", inner.resolve("bin").toString(), mounted.toString()));
            Path policy = policy(top.resolve("shared"), mounted);
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner", "bin");
                plantSetUidProgram(alpha, 1, "su");
            }
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                    P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
                alpha.attach(0, "root", "data", 0);
                assertEquals(04755, modeSeen(alpha, "inner/bin/su"), "alpha still sees the bits it kept");
                beta.attach(0, "root", "data", 0);
                beta.walk(0, 1, "su");
                beta.lopen(1, O_WRONLY);
                assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
                assertEquals(
                        0755, modeSeen(alpha, "inner/bin/su"), "beta's write through its bind mount clears set-uid");
            }
        } finally {
            run("umount", "-l", mounted.toString());
            run("umount", "-l", inner.toString());
            run("umount", "-l", top.toString());
        }
    }

    /**
     * Alpha's share is marked (bits kept at an earlier start), beta's is another file system, mounted once and
     * disjoint when the gateway opened it, so it reads no kept bits. The host then mounts beta's folder inside alpha's
     * (a shared inbox). Alpha's root keeps a set-uid program there: its root already carried the mark, so no other
     * open share was told that bits are now kept, and beta's write into the program left it set-uid for alpha.
     */
    @Test
    void aWriteThroughAShareMountedInsideAMarkedOneAfterTheStartClearsTheKeptBits() throws Exception {
        Path alphaShare = Files.createDirectories(tmp.resolve("a"));
        Path betaShare = Files.createDirectories(tmp.resolve("b"));
        assumeTrue(run("mount", "-t", "tmpfs", "a", alphaShare.toString()) == 0, "mounts need root");
        Path inbox = alphaShare.resolve("inbox");
        try {
            assertEquals(0, run("mount", "-t", "tmpfs", "b", betaShare.toString()));
            Files.createDirectories(inbox);
            Path policy = policy(alphaShare, betaShare);
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                plantSetUidProgram(alpha, "old"); // marks alpha's root
            }
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN); // the gateway restarted
                    P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                    P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
                assertEquals(0, run("mount", "--bind", betaShare.toString(), inbox.toString())); // after the start
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inbox");
                plantSetUidProgram(alpha, 1, "su");
                writeTrojan(beta, 0);
                assertEquals(0755, modeSeen(alpha, "inbox/su"), "beta's write clears set-uid");
            }
        } finally {
            run("umount", "-l", inbox.toString());
            run("umount", "-l", betaShare.toString());
            run("umount", "-l", alphaShare.toString());
        }
    }

    /** Alpha (guest ids at host 100000) shares {@code alphaShare}, beta (at 200000) {@code betaShare}. */
    private Path policy(Path alphaShare, Path betaShare) throws Exception {
        return OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), 100000, alphaShare),
                OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 200000, betaShare));
    }

    private static void plantSetUidProgram(P9Client alpha, String name) throws Exception {
        alpha.walk(0, 1);
        plantSetUidProgram(alpha, 1, name);
    }

    /** Alpha's root makes {@code name} in the directory of {@code dirFid} and keeps set-uid on it (04755). */
    private static void plantSetUidProgram(P9Client alpha, int dirFid, String name) throws Exception {
        alpha.lcreate(dirFid, name, O_RDWR, 0755, 0);
        alpha.setattr(dirFid, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
        assertEquals(04755, alpha.getattr(dirFid, GETATTR_BASIC).mode() & 07777, "alpha keeps its set-uid bit");
        alpha.clunk(dirFid);
    }

    /** Beta's guest user {@code uid} writes its code into "su" of its share's root. */
    private static void writeTrojan(P9Client beta, int uid) throws Exception {
        beta.attach(0, "root", "data", uid);
        beta.walk(0, 1, "su");
        beta.lopen(1, O_WRONLY);
        assertEquals(TROJAN.length, beta.write(1, 0, TROJAN));
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** Alpha's root makes {@code name} 0646 and keeps set-gid without group-execute on it (02646). */
    private static void keepSetGidWithoutGroupExecute(P9Client alpha, String name) throws Exception {
        alpha.attach(0, "root", "data", 0);
        alpha.walk(0, 1);
        alpha.lcreate(1, name, O_RDWR, 0646, 0);
        alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 02646, 0, 0, 0, 0, 0, 0, 0));
        alpha.clunk(1);
        assertEquals(02646, modeSeen(alpha, name), "alpha keeps set-gid without group-execute");
    }

    private static int modeSeen(P9Client alpha, String path) throws Exception {
        alpha.walk(0, 9, path.split("/"));
        Attr seen = alpha.getattr(9, GETATTR_BASIC);
        alpha.clunk(9);
        return seen.mode() & 07777;
    }

    /**
     * Two refused writes of the host's set-uid program overlap: alpha's take stores the host's bit, beta's take (in
     * alpha's window) reads that value as the one it replaces and stores its own, and each gives back. Nothing may
     * stay kept: with a per-take token in the stored value (tried in d3644981, reverted), beta's give-back put
     * alpha's value back without alpha's token, alpha's give-back no longer knew it, and after the host's own
     * {@code chmod u-s} the program was still shown 04755.
     */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void twoNestedRefusedWritesLeaveNoKeptValue(OwnershipMode mode) throws Exception {
        overlappingRefusedWrites(mode, false);
    }

    /** As above, alpha's give-back first: it finds beta's value over its own, and beta's give-back comes last. */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void twoCrossedRefusedWritesLeaveNoKeptValue(OwnershipMode mode) throws Exception {
        overlappingRefusedWrites(mode, true);
    }

    private void overlappingRefusedWrites(OwnershipMode mode, boolean alphaGivesBackFirst) throws Exception {
        withHostProgramOfBoth(mode, (share, alpha, beta) -> {
            beta.lopen(1, O_RDWR);
            int seen = modeSeen(alpha, "prog");
            AtomicReference<CompletableFuture<Errno>> betaWrite = new AtomicReference<>();
            AtomicBoolean alphaWriting = new AtomicBoolean();
            CountDownLatch betaTook = new CountDownLatch(1);
            CountDownLatch alphaAnswered = new CountDownLatch(1);
            FileIo.whileWriting(
                    () -> {
                        try {
                            if (!alphaWriting.compareAndSet(false, true)) { // beta's pwrite, its value taken
                                betaTook.countDown();
                                if (alphaGivesBackFirst) {
                                    assertTrue(alphaAnswered.await(10, TimeUnit.SECONDS), "alpha's reply");
                                }
                                return;
                            }
                            betaWrite.set(CompletableFuture.supplyAsync(() -> {
                                try {
                                    beta.write(1, 1L << 62, TROJAN);
                                    return null;
                                } catch (P9Exception e) {
                                    return e.errno();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            }));
                            if (alphaGivesBackFirst) {
                                assertTrue(betaTook.await(10, TimeUnit.SECONDS), "beta's take");
                            } else {
                                betaWrite.get().get(10, TimeUnit.SECONDS); // beta's reply, before alpha's pwrite
                            }
                        } catch (InterruptedException | ExecutionException | TimeoutException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    () -> {});
            try {
                P9Exception refused = assertThrows(P9Exception.class, () -> alpha.write(1, 1L << 62, TROJAN));
                assertEquals(Errno.EFBIG, refused.errno(), refused.toString());
                alphaAnswered.countDown();
                assertEquals(Errno.EFBIG, betaWrite.get().get(10, TimeUnit.SECONDS), "beta's write, refused too");
            } finally {
                alphaAnswered.countDown();
                FileIo.whileWriting(null, null);
            }
            assertEquals(seen, modeSeen(alpha, "prog"), "two refused writes change nothing");
            HostChmod.chmod(share.resolve("prog"), 0755); // the host takes its bit away
            assertEquals(0755, modeSeen(alpha, "prog"), "alpha: nothing kept from the refused writes");
            assertEquals(0755, modeSeen(beta, "prog"), "beta: nothing kept from the refused writes");
        });
    }

    @FunctionalInterface
    private interface TwoVms {
        void run(Path share, P9Client alpha, P9Client beta) throws Exception;
    }

    /**
     * Alpha and beta, both at host 100000 (one map), share a folder: alpha's root makes "prog" (fid 1, open), the host
     * sets its set-uid bit, beta's root walks fid 1 to it; then {@code test}.
     */
    private void withHostProgramOfBoth(OwnershipMode mode, TwoVms test) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "a host program of the VMs' root: a root run");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), 100000, share),
                OwnershipRig.vm("beta", tmp.resolve("beta.sock"), 100000, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "prog", O_RDWR, 0755, 0);
            HostChmod.chmod(share.resolve("prog"), 04755); // the host's own set-uid bit
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "prog");
            test.run(share, alpha, beta);
        }
    }
}
