package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Writes the three report files of {@code --report DIR}: report.xml (JUnit), report.json, report.html. */
public final class ReportFiles {
    public static final String JUNIT = "report.xml";
    public static final String JSON = "report.json";
    public static final String HTML = "report.html";

    private ReportFiles() {}

    /** Creates {@code dir} if needed; returns the files written. */
    public static List<Path> write(SuiteReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path junit = replace(dir.resolve(JUNIT), JunitReport.of(report));
        Path json = replace(dir.resolve(JSON), JsonReport.of(report));
        Path html = replace(dir.resolve(HTML), HtmlReport.of(report));
        return List.of(junit, json, html);
    }

    /**
     * Writes a new file and renames it over {@code target}: the suite usually runs as root, and writing through a
     * symlink someone planted as {@code report.html} would overwrite whatever it points to. A rename replaces the
     * link itself.
     */
    private static Path replace(Path target, String text) throws IOException {
        Path fresh = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".new");
        try {
            Files.writeString(fresh, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-r--r--"));
            return Files.move(fresh, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(fresh);
        }
    }
}
