package io.p9gate.gateway.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The process's descriptor limit and count, read from /proc without java.management: the packaged runtime does
 * not link that module (RuntimeImage.MODULES), so the gateway must not need it to start.
 */
class HostResourcesTest {
    @Test
    void theDescriptorLimitIsTheOneTheJvmReports() {
        var os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        HostResources host = HostResources.current();
        assertEquals(os.getMaxFileDescriptorCount(), host.maxDescriptors());
        assertTrue(host.openDescriptors() >= 3, "stdin, stdout, stderr at least: " + host.openDescriptors());
    }

    @Test
    void theSoftLimitIsReadFromTheMaxOpenFilesLine() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max open files            20000                524288               files
                Max locked memory         8388608              8388608              bytes
                """;
        assertEquals(OptionalLong.of(20000), HostResources.softOpenFiles(limits));
        assertEquals(
                OptionalLong.empty(), HostResources.softOpenFiles("Max open files  unlimited  unlimited  files\n"));
        assertEquals(OptionalLong.empty(), HostResources.softOpenFiles(""));
    }
}
