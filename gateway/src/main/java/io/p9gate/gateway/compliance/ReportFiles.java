package io.p9gate.gateway.compliance;

import io.p9gate.gateway.files.RunFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * The suite usually runs as root, into a directory others may write: a symlink planted as {@code report.html},
     * or swapped in for the temporary file between its creation and its write, must be replaced, never written
     * through. {@link RunFile} writes through the one exclusive, no-follow open and renames.
     */
    private static Path replace(Path target, String text) throws IOException {
        RunFile.replace(target, text);
        return target;
    }
}
