package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Cedar's native library for the target, shipped as {@code lib/native/libcedar_java_ffi.so} and named by the
 * launcher in {@code CEDAR_JAVA_FFI_LIB}. Without it cedar-java copies the library (11 MB) out of its jar into a
 * new {@code /tmp/jne.*} directory at every start of the gateway or a policy tool and never removes it, and cannot
 * load it at all where {@code /tmp} is mounted {@code noexec}, as hardened ECU images often do.
 */
final class CedarLibrary {
    static final String ARCHIVED = "lib/native/libcedar_java_ffi.so";

    private CedarLibrary() {}

    /** Copies the library for {@code arch} (x86_64, aarch64) out of the cedar-java jar among {@code jars}. */
    static Path extract(List<Path> jars, String arch, Path into) throws PackagingException, IOException {
        Path jar = jars.stream()
                .filter(j -> j.getFileName().toString().startsWith("cedar-java-"))
                .findFirst()
                .orElseThrow(() -> new PackagingException("no cedar-java jar among the gateway's libraries"));
        String entryName = "jne/linux/" + arch + "/libcedar_java_ffi.so";
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry(entryName);
            if (entry == null) {
                throw new PackagingException(jar.getFileName() + " has no Cedar library for linux-" + arch + " ("
                        + entryName + "): this platform cannot be packaged");
            }
            Path out = into.resolve("libcedar_java_ffi.so");
            try (InputStream in = file.getInputStream(entry)) {
                Files.copy(in, out);
            }
            return out;
        }
    }
}
