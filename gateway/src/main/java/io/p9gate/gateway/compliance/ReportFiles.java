package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        Path junit = Files.writeString(dir.resolve(JUNIT), JunitReport.of(report), StandardCharsets.UTF_8);
        Path json = Files.writeString(dir.resolve(JSON), JsonReport.of(report), StandardCharsets.UTF_8);
        Path html = Files.writeString(dir.resolve(HTML), HtmlReport.of(report), StandardCharsets.UTF_8);
        return List.of(junit, json, html);
    }
}
