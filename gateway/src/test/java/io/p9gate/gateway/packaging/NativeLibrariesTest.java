package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own jars (this test's class path: the same dependencies as {@code lib/}) hold the native libraries
 * of both host architectures, and {@code p9gate package} finds them under Netty's spelling of aarch64 (aarch_64).
 */
class NativeLibrariesTest {
    @TempDir
    Path tmp;

    @Test
    void bothArchitecturesArePackagedFromTheGatewaysJars() throws Exception {
        List<Path> jars = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(p -> p.getFileName().toString().endsWith(".jar"))
                .toList();
        assertEquals(
                List.of("libcedar_java_ffi.so", "libnetty_transport_native_epoll_x86_64.so"),
                names(NativeLibraries.extract(jars, "x86_64", Files.createDirectory(tmp.resolve("x86_64")))));
        List<Path> arm = NativeLibraries.extract(jars, "aarch64", Files.createDirectory(tmp.resolve("aarch64")));
        assertEquals(List.of("libcedar_java_ffi.so", "libnetty_transport_native_epoll_aarch_64.so"), names(arm));
        for (Path library : arm) {
            byte[] head = Files.readAllBytes(library);
            // ELF, 64-bit, little-endian, e_machine EM_AARCH64 (183): the library for that machine, not a copy.
            assertTrue(head.length > 20 && head[0] == 0x7f && head[1] == 'E' && head[4] == 2 && head[5] == 1);
            assertEquals(183, (head[18] & 0xff) | (head[19] & 0xff) << 8, library.toString());
        }
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(f -> f.getFileName().toString()).toList();
    }
}
