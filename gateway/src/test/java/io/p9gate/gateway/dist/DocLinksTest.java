package io.p9gate.gateway.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A new operator follows README.md and docs/*.md by their links: every relative link there must lead to a file of
 * the checkout, and a {@code #fragment} to a heading of that page (GitHub's anchor of it), so a renamed page or
 * section fails the build instead of a reader. Links inside fenced code blocks are examples, not links.
 */
class DocLinksTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern FENCE = Pattern.compile("(?ms)^```.*?^```");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$");

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages()) {
            String text = FENCE.matcher(Files.readString(page)).replaceAll("");
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto:, file: are not the checkout's
                }
                links++;
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                Path target =
                        file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(target)) {
                    broken.add(ROOT.relativize(page) + ": " + link + " (no such file)");
                } else if (hash >= 0 && target.toString().endsWith(".md")) {
                    String fragment = link.substring(hash + 1);
                    if (!anchors(target).contains(fragment)) {
                        broken.add(ROOT.relativize(page) + ": " + link + " (no such heading)");
                    }
                }
            }
        }
        assertTrue(links > 20, "found only " + links + " relative links: are README.md and docs/ there?");
        assertEquals(List.of(), broken, "relative links that lead nowhere");
    }

    @Test
    void anAnchorIsTheHeadingAsGitHubSpellsIt() {
        Set<String> anchors =
                anchorsOf("## A share on a disk mounted late\n### `p9gate-mount` (`trans=fd`)\n## Logs\n## Logs\n");
        assertEquals(Set.of("a-share-on-a-disk-mounted-late", "p9gate-mount-transfd", "logs", "logs-1"), anchors);
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static Set<String> anchors(Path page) throws IOException {
        return anchorsOf(FENCE.matcher(Files.readString(page)).replaceAll(""));
    }

    /** GitHub's: lower case, punctuation but {@code -} and {@code _} dropped, spaces to {@code -}, repeats -1, -2. */
    private static Set<String> anchorsOf(String markdown) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher m = HEADING.matcher(markdown);
        while (m.find()) {
            String slug = m.group(1)
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? slug : slug + "-" + n);
        }
        return anchors;
    }
}
