package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.testing.HeadlessChromium;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Issue 13, acceptance: {@code audit report --html} opened in a real headless browser (Debian's chromium through
 * its chromedriver) shows every count {@code audit stats --format json} gives for the same log, and paths a guest
 * chose to be markup ({@code <script>alert(1)</script>}) show as text: no alert, no element, nothing in the
 * console.
 */
class AuditReportBrowserTest {
    @TempDir
    Path tmp;

    @Test
    void pageShowsTheCountsOfStatsJsonAndGuestPathsAsText() throws Exception {
        HeadlessChromium.assumeInstalled();
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        ReportedLog.write(reviewed);
        String log = reviewed.log().toString();
        Path page = tmp.resolve("report.html");
        CliRun report = CliRun.audit(
                "report",
                "--html",
                page.toString(),
                "--log",
                log,
                "--key",
                reviewed.pub().toString());
        assertEquals(0, report.exit(), report.err());
        CliRun stats = CliRun.audit("stats", "--log", log, "--format", "json");
        assertEquals(0, stats.exit(), stats.err());
        JsonNode json = new ObjectMapper().readTree(stats.out());

        WebDriver browser = HeadlessChromium.start(tmp);
        try {
            browser.get(page.toUri().toString());
            assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert(), "a guest's path ran");
            assertTrue(browser.findElement(By.id("verification")).getText().startsWith("OK"));

            Map<String, String> scalars = new LinkedHashMap<>();
            scalars.put("records", "/records");
            scalars.put("seq-first", "/seq/first");
            scalars.put("seq-last", "/seq/last");
            scalars.put("time-first", "/time/first");
            scalars.put("time-last", "/time/last");
            scalars.put("checkpoints", "/checkpoints");
            for (String count : List.of("records", "requests", "allow", "deny", "refused")) {
                scalars.put("decisions-" + count, "/decisions/" + count);
            }
            scalars.forEach((id, pointer) -> assertEquals(
                    json.at(pointer).asText(), browser.findElement(By.id(id)).getText(), id));

            for (String table : List.of("byVm", "byOp", "byType", "byErrno", "byRule")) {
                assertEquals(expectedRows(json.get(table)), shownRows(browser, table), table);
            }
            List<List<String>> top = new ArrayList<>();
            json.get("topDeniedPaths")
                    .forEach(p -> top.add(List.of(
                            p.get("vm").asText(),
                            p.get("path").asText(),
                            p.get("requests").asText())));
            List<List<String>> shownTop = new ArrayList<>();
            for (WebElement row : browser.findElements(By.cssSelector("#topDeniedPaths tr[data-key]"))) {
                shownTop.add(row.findElements(By.tagName("td")).stream()
                        .map(WebElement::getText)
                        .toList());
            }
            assertEquals(top, shownTop);
            assertEquals(ReportedLog.SCRIPT_PATH, top.getFirst().get(1), "the hostile path is the top denied one");

            assertEquals(List.of(), browser.findElements(By.tagName("script")), "a guest's path became a script");
            assertEquals(List.of(), browser.findElements(By.id("injected")), "a guest's path became an element");
            List<LogEntry> console =
                    browser.manage().logs().get(LogType.BROWSER).getAll();
            assertEquals(List.of(), console.stream().map(LogEntry::toString).toList(), "console messages");
        } finally {
            browser.quit();
        }
    }

    /** A {@code stats} table as key to its counts as text: a number, or an object of numbers. */
    private static Map<String, List<String>> expectedRows(JsonNode table) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        table.properties().forEach(e -> {
            List<String> counts = new ArrayList<>();
            if (e.getValue().isObject()) {
                e.getValue().forEach(n -> counts.add(n.asText()));
            } else {
                counts.add(e.getValue().asText());
            }
            rows.put(e.getKey(), counts);
        });
        return rows;
    }

    private static Map<String, List<String>> shownRows(WebDriver browser, String table) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (WebElement row : browser.findElements(By.cssSelector("#" + table + " tr[data-key]"))) {
            rows.put(
                    row.getDomAttribute("data-key"),
                    row.findElements(By.cssSelector("td[data-count]")).stream()
                            .map(WebElement::getText)
                            .toList());
        }
        return rows;
    }
}
