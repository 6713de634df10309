package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A mount over a share's path is told from the share's directory bound onto itself by the device and the directory
 * it shows there (d34eb643), not by the root field's text alone: that text is a path within the mounted file system,
 * and a guest may name directories of its own file system so that one reads as the share's path.
 */
class SingleMountsShownDirectoryTest {
    /** The root's mount: a file system of device 8:1 mounted at /srv, the nested share at /srv/a/vms/b. */
    private static final String OWN = "30 1 8:1 / /srv rw,relatime shared:1 - ext4 /dev/sda1 rw";

    private static final String PATH = "/srv/a/vms/b";

    /** Each other mount of the table, and whether it hides the share's directory at its path. */
    private static final Map<String, Boolean> HIDES = Map.of(
            // A guest's file system (8:17) holding /a/vms/b bound over the share: the same root text, not the same.
            "41 30 8:17 /a/vms/b /srv/a/vms/b rw shared:9 - ext4 /dev/sdb1 rw", true,
            // The same file system's other directory over the share, or over a directory above it.
            "42 30 8:1 /a/vms/c /srv/a/vms/b rw shared:1 - ext4 /dev/sda1 rw", true,
            "43 30 8:1 /a/x /srv/a/vms rw shared:1 - ext4 /dev/sda1 rw", true,
            // The share's directory, or one above it, bound onto itself: the same directory shown there.
            "44 30 8:1 /a/vms/b /srv/a/vms/b rw shared:1 - ext4 /dev/sda1 rw", false,
            "45 30 8:1 /a/vms /srv/a/vms rw shared:1 - ext4 /dev/sda1 rw", false);

    @Test
    void onlyTheSameDeviceAndDirectoryShownThereIsNotAMountOverTheShare() {
        HIDES.forEach(
                (other, hides) -> assertEquals(hides, new SingleMounts(List.of(OWN, other)).hides(30, PATH), other));
    }
}
