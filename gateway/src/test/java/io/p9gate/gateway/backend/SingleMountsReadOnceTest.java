package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share opened beside shares that read kept set-id bits asks whether each pair of roots on different self-contained
 * file systems is mounted once (OpenShares, SingleMounts): the mount table was read twice per such share, so a start
 * of many shares on a host of many mounts read it thousands of times. Now once per share opened.
 */
class SingleMountsReadOnceTest {
    @TempDir
    Path tmp;

    @Test
    void aShareOpenedBesideSharesThatReadKeptBitsReadsTheMountTableOnce() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "mounting tmpfs needs root");
        List<Path> mounted = new ArrayList<>();
        List<ShareRoot> open = new ArrayList<>();
        try {
            for (String name : List.of("first", "second", "third")) {
                Path dir = Files.createDirectories(tmp.resolve(name));
                assumeTrue(run("mount", "-t", "tmpfs", name, dir.toString()) == 0, "mount -t tmpfs");
                mounted.add(dir);
            }
            open.add(ShareRoot.open(mounted.get(0), new QidMapper()));
            open.add(ShareRoot.open(mounted.get(1), new QidMapper()));
            open.get(0).keepingSetIdBits(); // every open share reads kept bits from now on
            long before = SingleMounts.tablesRead();
            open.add(ShareRoot.open(mounted.get(2), new QidMapper()));
            assertEquals(1, SingleMounts.tablesRead() - before, "the mount table read once for both other roots");
        } finally {
            open.forEach(ShareRoot::close);
            for (Path dir : mounted) {
                run("umount", "-l", dir.toString());
            }
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
