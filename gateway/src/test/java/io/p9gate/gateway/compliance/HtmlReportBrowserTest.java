package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Issue 10, acceptance: the HTML report opened in a real headless browser (Debian's chromium through its
 * chromedriver) shows the pass/fail/skip counts of the JSON report, per VM too, its filter works, and the
 * page logs no console error (no script error, nothing it tried to fetch). Text from the gateway or the
 * policy is shown as text: markup in a check's message does not become part of the page.
 */
class HtmlReportBrowserTest {
    @TempDir
    Path tmp;

    @Test
    void renderedCountsAreTheJsonCountsAndTheConsoleIsClean() throws Exception {
        HeadlessChromium.assumeInstalled();
        ReportFiles.write(report(), tmp.resolve("report"));
        JsonNode json =
                new ObjectMapper().readTree(tmp.resolve("report/report.json").toFile());

        WebDriver browser = HeadlessChromium.start(tmp);
        try {
            browser.get(tmp.resolve("report/report.html").toUri().toString());
            JsonNode summary = json.get("summary");
            assertEquals(
                    summary.get("total").asText(),
                    browser.findElement(By.id("total-checks")).getText());
            assertEquals(
                    summary.get("passed").asText(),
                    browser.findElement(By.id("total-passed")).getText());
            assertEquals(
                    summary.get("failed").asText(),
                    browser.findElement(By.id("total-failed")).getText());
            assertEquals(
                    summary.get("skipped").asText(),
                    browser.findElement(By.id("total-skipped")).getText());
            for (JsonNode vm : json.get("vms")) {
                List<WebElement> cells = browser.findElement(By.cssSelector(
                                "table.vm tr[data-vm='" + vm.get("vm").asText() + "']"))
                        .findElements(By.tagName("td"));
                assertEquals(
                        List.of(
                                vm.get("total").asText(),
                                vm.get("passed").asText(),
                                vm.get("failed").asText(),
                                vm.get("skipped").asText()),
                        cells.subList(1, 5).stream().map(WebElement::getText).toList());
            }
            assertEquals(
                    json.get("checks").size(),
                    browser.findElements(By.cssSelector("tr.check")).size());

            browser.findElement(By.cssSelector("button[data-status='failed']")).click();
            long shown = browser.findElements(By.cssSelector("tr.check")).stream()
                    .filter(WebElement::isDisplayed)
                    .count();
            assertEquals(summary.get("failed").asLong(), shown, "the filter shows the failed checks only");

            assertTrue(browser.findElements(By.id("injected")).isEmpty(), "a check's text never becomes markup");
            assertTrue(browser.getPageSource().contains("&lt;img id=\"injected\""), "it is shown as text");

            List<LogEntry> console =
                    browser.manage().logs().get(LogType.BROWSER).getAll();
            assertEquals(List.of(), console.stream().map(LogEntry::toString).toList(), "console messages");
        } finally {
            browser.quit();
        }
    }

    /**
     * Defence in depth: the page's Content-Security-Policy lets its own filter script run and no other. A script that
     * reached the page (a name shown unescaped) ran under {@code script-src 'unsafe-inline'}.
     */
    @Test
    void onlyThePagesOwnScriptRuns() throws Exception {
        HeadlessChromium.assumeInstalled();
        ReportFiles.write(report(), tmp.resolve("report"));
        Path page = tmp.resolve("report/report.html");
        String html = Files.readString(page);
        Files.writeString(
                page,
                html.replaceFirst(
                        "<body>", "<body><script>document.body.setAttribute('data-injected-ran', 'yes')</script>"));

        WebDriver browser = HeadlessChromium.start(tmp);
        try {
            browser.get(page.toUri().toString());
            assertEquals(null, browser.findElement(By.tagName("body")).getAttribute("data-injected-ran"));
            browser.findElement(By.cssSelector("button[data-status='failed']")).click();
            long shown = browser.findElements(By.cssSelector("tr.check")).stream()
                    .filter(WebElement::isDisplayed)
                    .count();
            assertEquals(2, shown, "the page's own script still filters");
        } finally {
            browser.quit();
        }
    }

    /** Two VMs and the gateway, every status, and a message that tries to be markup. */
    static SuiteReport report() {
        return new SuiteReport(
                Path.of("/etc/p9gate/policy.yaml"),
                "ecu-test",
                "ab".repeat(32),
                "p9gate test",
                Instant.parse("2026-12-01T10:00:00Z"),
                List.of(
                        check("alpha/data/read-only[0]/create-new", "alpha", "R-POL-3", Status.PASSED, ""),
                        check(
                                "alpha/data/read-only[0]/open-wronly",
                                "alpha",
                                "R-POL-3",
                                Status.FAILED,
                                "the policy refuses it with EROFS; the gateway let it through <img id=\"injected\" src=x>"),
                        check("alpha/data/hidden[0]/walk", "alpha", "R-POL-4", Status.PASSED, ""),
                        check(
                                "alpha/data/quota[0]/inodes-limit",
                                "alpha",
                                "R-POL-6",
                                Status.SKIPPED,
                                "filling a 500000-inode limit takes up to 500001 creates, more than --max-creates 20000"),
                        check("beta/listener", "beta", "R-DEP-1", Status.SKIPPED, "the suite has no vsock transport"),
                        check("audit/verify", null, "R-AUD-2", Status.PASSED, ""),
                        check(
                                "audit/policy",
                                null,
                                "R-AUD-1",
                                Status.FAILED,
                                "the gateway loaded policy 'x' & \"y\"")));
    }

    private static CheckResult check(String id, String vm, String requirement, Status status, String message) {
        return new CheckResult(
                id,
                vm,
                vm == null ? null : "data",
                requirement,
                "title of " + id,
                status,
                "Tlcreate /base/x (O_WRONLY|O_CREAT|O_EXCL, mode 644)",
                "EROFS (vm.alpha.share.data.read-only[0])",
                status == Status.SKIPPED ? "" : "ok",
                message,
                status == Status.SKIPPED ? List.of() : List.of(42L, 43L));
    }

    /**
     * The suite usually runs as root: a symlink someone planted as report.html must be replaced, not written
     * through (it would overwrite whatever it points to).
     */
    @Test
    void aReportFileThatIsASymlinkIsReplacedNotWrittenThrough() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("planted"));
        Path victim = Files.writeString(tmp.resolve("victim"), "keep me");
        Files.createSymbolicLink(dir.resolve("report.html"), victim);
        ReportFiles.write(report(), dir);
        assertEquals("keep me", Files.readString(victim));
        assertTrue(Files.isRegularFile(dir.resolve("report.html"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(
                List.of("report.html", "report.json", "report.xml"),
                Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList(),
                "no temporary file left");
    }

    @Test
    void thePageFetchesNothing() throws Exception {
        ReportFiles.write(report(), tmp.resolve("r"));
        String html = Files.readString(tmp.resolve("r/report.html"));
        for (String external : List.of("src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import", "url(")) {
            assertFalse(html.contains(external), "no external asset: " + external);
        }
    }
}
