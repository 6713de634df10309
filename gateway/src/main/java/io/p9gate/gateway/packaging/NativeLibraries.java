package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The native libraries the gateway loads, shipped in {@code lib/native/} for the target's platform. The launcher
 * names that directory in {@code java.library.path}, where Netty looks for its epoll transport before copying it out
 * of its jar, and Cedar's library in {@code CEDAR_JAVA_FFI_LIB}. Without them both libraries are copied into
 * {@code java.io.tmpdir} at every start (cedar-java's 11 MB copy is never removed), and neither loads where
 * {@code /tmp} is mounted {@code noexec}, as hardened ECU images often do: the gateway then cannot serve a Unix
 * socket or a vsock at all (Netty's epoll transport is what serves them).
 */
final class NativeLibraries {
    static final String DIR = "lib/native";

    /** One library: which jar holds it and where. */
    private record Library(String what, Predicate<String> jarName, String entry) {}

    private NativeLibraries() {}

    /**
     * Copies each library for {@code arch} (x86_64, aarch64) out of its jar among {@code jars} into {@code into};
     * returns the files, named as they are to be archived under {@link #DIR}.
     */
    static List<Path> extract(List<Path> jars, String arch, Path into) throws PackagingException, IOException {
        String nettyArch = arch.equals("aarch64") ? "aarch_64" : arch; // Netty's own spelling
        List<Library> libraries = List.of(
                new Library(
                        "Cedar's library",
                        name -> name.startsWith("cedar-java-"),
                        "jne/linux/" + arch + "/libcedar_java_ffi.so"),
                new Library(
                        "Netty's epoll transport",
                        name -> name.startsWith("netty-transport-native-epoll-")
                                && name.endsWith("-linux-" + nettyArch + ".jar"), // its classifier too
                        "META-INF/native/libnetty_transport_native_epoll_" + nettyArch + ".so"));
        List<Path> out = new ArrayList<>();
        for (Library library : libraries) {
            out.add(extract(jars, library, arch, into));
        }
        return out;
    }

    private static Path extract(List<Path> jars, Library library, String arch, Path into)
            throws PackagingException, IOException {
        for (Path jar : jars) {
            if (!library.jarName().test(jar.getFileName().toString())) {
                continue;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                ZipEntry entry = file.getEntry(library.entry());
                if (entry == null) {
                    continue;
                }
                Path out = into.resolve(Path.of(library.entry()).getFileName());
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, out);
                }
                return out;
            }
        }
        throw new PackagingException("the gateway's libraries have no " + library.what() + " for linux-" + arch + " ("
                + library.entry() + "): this platform cannot be packaged");
    }
}
