package io.p9gate.policy.protect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-9: every way a share directory can be, contain or lie inside the gateway's state. Bind mounts are given
 * as mount tables here (the gateway's adversarial tests make real ones when run as root).
 */
class ShareReachTest {
    @TempDir
    Path tmp;

    Path state;
    StatePath key;
    StatePath audit;

    @BeforeEach
    void state() throws Exception {
        state = Files.createDirectories(tmp.resolve("state")).toRealPath();
        key = new StatePath(
                "audit signing key",
                Files.createDirectories(state.resolve("keys")).resolve("audit.key"));
        Files.writeString(key.path(), "secret");
        audit = new StatePath("audit directory", Files.createDirectories(state.resolve("audit")));
    }

    private static ShareReach withMounts(String... mountinfo) {
        return new ShareReach(Mounts.parse(List.of(mountinfo)));
    }

    private static String mount(int id, String device, Path root, Path point) {
        return id + " 1 " + device + " " + root.toString().replace(" ", "\\040") + " "
                + point.toString().replace(" ", "\\040") + " rw,relatime - ext4 /dev/x rw";
    }

    private static final String ROOT_FS = "1 0 8:1 / / rw - ext4 /dev/sda rw";

    @Test
    void byPathContainingAndInside() throws Exception {
        ShareReach reach = withMounts(ROOT_FS);
        assertEquals(Optional.of("contains the audit signing key " + key.path()), reach.of(state, key));
        Path inside = Files.createDirectories(audit.path().resolve("guest"));
        assertEquals(Optional.of("lies inside the audit directory " + audit.path()), reach.of(inside, audit));
        assertEquals(
                Optional.of("contains the audit directory " + audit.path()),
                reach.of(audit.path(), audit),
                "the state's own directory");
        Path beside = Files.createDirectories(tmp.resolve("share")).toRealPath();
        assertEquals(Optional.empty(), reach.of(beside, key));
        assertEquals(Optional.empty(), reach.of(beside, audit));
    }

    @Test
    void aStateDirectoryThatDoesNotExistYetIsComparedWhereItWillBe() throws Exception {
        StatePath later = new StatePath("audit directory", tmp.resolve("share/log/audit"));
        Path share = Files.createDirectories(tmp.resolve("share"));
        assertTrue(withMounts(ROOT_FS).of(share, later).orElseThrow().startsWith("contains the audit directory"));
    }

    @Test
    void symlinksAreResolved() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("innocent"), state.resolve("keys"));
        assertEquals(
                Optional.of("contains the audit signing key " + key.path() + " (after resolving symlinks)"),
                withMounts(ROOT_FS).of(link, key));
        StatePath linkedKey =
                new StatePath("audit signing key", Files.createSymbolicLink(tmp.resolve("k"), key.path()));
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.move(key.path(), share.resolve("audit.key"));
        Files.delete(linkedKey.path());
        Files.createSymbolicLink(linkedKey.path(), share.resolve("audit.key"));
        assertTrue(withMounts(ROOT_FS).of(share, linkedKey).orElseThrow().endsWith("(after resolving symlinks)"));
    }

    @Test
    void theStatesDirectoryMountedAgainAsTheShare() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("srv")).toRealPath();
        ShareReach reach = withMounts(ROOT_FS, mount(2, "8:1", state.resolve("keys"), share));
        assertEquals(
                Optional.of("contains the audit signing key " + key.path() + " (the share is " + state.resolve("keys")
                        + " of filesystem 8:1, mounted again at " + share + ")"),
                reach.of(share, key));
    }

    @Test
    void aShareMountedFromInsideTheState() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("srv")).toRealPath();
        Path sub = Files.createDirectories(audit.path().resolve("sub"));
        ShareReach reach = withMounts(ROOT_FS, mount(2, "8:1", sub, share));
        assertTrue(reach.of(share, audit).orElseThrow().startsWith("lies inside the audit directory " + audit.path()));
        assertEquals(
                Optional.empty(),
                withMounts(ROOT_FS, mount(2, "8:2", sub, share)).of(share, audit),
                "the same path on another filesystem is another directory");
    }

    @Test
    void aMountBelowTheShareThatShowsTheState() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("srv with space")).toRealPath();
        Path point = Files.createDirectories(share.resolve("m"));
        ShareReach reach = withMounts(ROOT_FS, mount(2, "8:1", state, point));
        assertEquals(
                Optional.of("reaches the audit signing key " + key.path() + " through the mount at " + point),
                reach.of(share, key));
        assertEquals(
                Optional.empty(),
                withMounts(ROOT_FS, mount(2, "8:1", tmp.resolve("elsewhere"), point))
                        .of(share, key));
    }

    @Test
    void aStateFileWithAnotherNameIsReported() throws Exception {
        assertEquals(Optional.empty(), ShareReach.hardLinks(key));
        Files.createLink(tmp.resolve("copy.key"), key.path());
        assertEquals(
                Optional.of("the audit signing key " + key.path()
                        + " has 2 hard links: another name of it could lie inside a share"),
                ShareReach.hardLinks(key));
    }
}
