package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Policy paths are compared byte for byte, so a share whose names the kernel matches without case would let
 * {@code SECRET} reach a hidden {@code /secret} and {@code /BASE/x} skip a read-only {@code /base}: such a share
 * root is refused at open. No case-insensitive filesystem can be made on this test host (no vfat/exfat driver,
 * no unicode tables for casefold), so the decision is tested on statfs magic numbers and inode flags, and the
 * refusal through ShareRoot's probe seam; the real probe is checked to read a directory's flags.
 */
class CaseInsensitiveFilesystemsTest {
    private static final long EXT4 = 0xEF53L;
    private static final long TMPFS = 0x01021994L;
    private static final long BTRFS = 0x9123683EL;
    private static final int FS_NODUMP_FL = 0x40;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "0x4d44, vfat",
        "0x2011BAB0, exfat",
        "0x7366746e, ntfs3",
        "0x5346544e, ntfs",
        "0xFF534D42, cifs",
        "0xFE534D42, smb2",
        "0x517B, smbfs",
        "0x4244, hfs",
        "0x482b, hfsplus"
    })
    void filesystemsThatMayMatchNamesWithoutCaseAreRefused(String magic, String name) {
        Optional<String> why = CaseInsensitiveFilesystems.refusal(Long.decode(magic), 0);
        assertTrue(why.isPresent(), name);
        assertTrue(why.get().contains(name), why.get());
        assertFalse(why.get().contains("\n"), why.get());
    }

    @Test
    void caseSensitiveFilesystemsAreServedUnlessTheRootIsCasefolded() {
        for (long type : new long[] {EXT4, TMPFS, BTRFS, 0x58465342L /* xfs */}) {
            assertEquals(Optional.empty(), CaseInsensitiveFilesystems.refusal(type, 0), Long.toHexString(type));
            assertEquals(
                    Optional.empty(),
                    CaseInsensitiveFilesystems.refusal(type, FS_NODUMP_FL),
                    "other inode flags do not matter");
        }
        Optional<String> why = CaseInsensitiveFilesystems.refusal(EXT4, CaseInsensitiveFilesystems.FS_CASEFOLD_FL);
        assertTrue(why.orElseThrow().contains("casefold"), why.get());
        assertTrue(CaseInsensitiveFilesystems.refusal(TMPFS, CaseInsensitiveFilesystems.FS_CASEFOLD_FL)
                .isPresent());
    }

    @Test
    void aShareRootOnARefusedTypeFailsToOpenWithOneLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("usb"));
        ShareRootProbe vfat = new ShareRootProbe() {
            @Override
            public long filesystemType(Node root) {
                return 0x4d44;
            }

            @Override
            public int inodeFlags(Node root) {
                return 0;
            }
        };
        UnservableShare e = assertThrows(UnservableShare.class, () -> ShareRoot.open(dir, new QidMapper(), vfat));
        assertEquals(Errno.EMEDIUMTYPE, e.errno());
        assertEquals(
                "a case-insensitive filesystem (vfat): policy paths are matched byte for byte, so another case "
                        + "of a hidden or read-only name would pass",
                e.reason());
    }

    @Test
    void aCasefoldedShareRootFailsToOpen() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cf"));
        ShareRootProbe casefolded = new ShareRootProbe() {
            @Override
            public long filesystemType(Node root) {
                return EXT4;
            }

            @Override
            public int inodeFlags(Node root) {
                return CaseInsensitiveFilesystems.FS_CASEFOLD_FL;
            }
        };
        UnservableShare e = assertThrows(UnservableShare.class, () -> ShareRoot.open(dir, new QidMapper(), casefolded));
        assertTrue(e.reason().startsWith("a case-insensitive directory (casefold, chattr +F)"), e.reason());
    }

    @Test
    void theHostProbeReadsTheRootsInodeFlags() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("flags"));
        assumeTrue(
                new ProcessBuilder("chattr", "+d", dir.toString()).start().waitFor() == 0,
                "this filesystem takes chattr +d (nodump)");
        try (ShareRoot share = ShareRoot.open(dir, new QidMapper());
                Node root = share.root()) {
            assertEquals(FS_NODUMP_FL, ShareRootProbe.HOST.inodeFlags(root) & FS_NODUMP_FL);
            assertEquals(0, ShareRootProbe.HOST.inodeFlags(root) & CaseInsensitiveFilesystems.FS_CASEFOLD_FL);
        }
    }
}
