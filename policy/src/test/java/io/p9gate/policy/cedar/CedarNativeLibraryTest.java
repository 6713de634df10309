package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.cedarpolicy.loader.LibraryLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Test JVMs (and the gateways they fork, which inherit the environment) load Cedar's library from the build's
 * {@code target/native}, named by {@code CEDAR_JAVA_FFI_LIB} (the parent POM's {@code cedar.ffi.lib}). Without it
 * cedar-java copies its 11 MB library into a new {@code /tmp/jne.*} directory in every JVM and never removes it:
 * about 50 directories, 600 MB, a full test run.
 */
class CedarNativeLibraryTest {

    @Test
    void cedarIsLoadedFromTheBuildNotFromACopyInTmp() throws IOException {
        assumeTrue(
                System.getProperty("os.name").equals("Linux")
                        && List.of("amd64", "aarch64").contains(System.getProperty("os.arch")),
                "the build unpacks Cedar's library for Linux x86_64 and aarch64 only");
        String named = System.getenv("CEDAR_JAVA_FFI_LIB");
        assertTrue(named != null && !named.isEmpty(), "CEDAR_JAVA_FFI_LIB is not set for the test JVM");
        Path lib = Path.of(named);
        assertTrue(Files.isRegularFile(lib), named + " does not exist");

        LibraryLoader.loadLibrary();

        List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.endsWith("libcedar_java_ffi.so"))
                .map(line -> line.substring(line.indexOf('/')))
                .distinct()
                .toList();
        assertEquals(List.of(lib.toRealPath().toString()), mapped);
    }
}
