package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.cli.fmt.CedarFormatter;
import io.p9gate.policy.cli.fmt.Formatting;
import io.p9gate.policy.cli.fmt.YamlFormatter;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Issue 13, {@code policy fmt}: on every sample file in {@code policies/}, formatting is idempotent, ignores the layout
 * it is given (re-indented, extra spaces, trailing white space, more blank lines: the same canonical text), keeps
 * every comment, and the formatted policies decide exactly like the originals.
 */
class PolicyFmtProperties {

    private static final Path SAMPLES = Path.of("..", "policies");

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String format(String name, String text) {
        Formatting f = name.endsWith(".cedar") ? CedarFormatter.format(text) : YamlFormatter.format(text);
        return assertInstanceOf(Formatting.Formatted.class, f, name + ": " + f).text();
    }

    @Provide
    Arbitrary<String> samples() {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            return Arbitraries.of(
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 80)
    void formattingIsCanonicalAndIdempotent(
            @ForAll("samples") String name,
            @ForAll @IntRange(min = 1, max = 3) int indentScale,
            @ForAll boolean spaceAfterColons,
            @ForAll boolean trailingSpaces,
            @ForAll boolean moreBlankLines) {
        String original = read(SAMPLES.resolve(name));
        String formatted = format(name, original);
        assertEquals(formatted, format(name, formatted), "fmt(fmt(x)) == fmt(x)");
        String messy = disturb(name, original, indentScale, spaceAfterColons, trailingSpaces, moreBlankLines);
        assertEquals(formatted, format(name, messy), "the layout it is given does not matter:\n" + messy);
        assertEquals(comments(original), comments(formatted), "every comment is kept, in order");
    }

    /** The same file with another layout, meaning and comments unchanged. */
    private static String disturb(
            String name, String text, int indentScale, boolean colons, boolean trailing, boolean blanks) {
        StringBuilder b = new StringBuilder();
        int flowDepth = 0; // inside a flow collection spanning lines the formatter keeps the spacing as written
        for (String line : text.split("\n", -1)) {
            String body = line.stripLeading();
            int indent = line.length() - body.length();
            String l = " ".repeat(name.endsWith(".cedar") ? indent * 2 : indent * indentScale)
                    // an item's content must stay where its next lines (scaled too) continue it
                    + (name.endsWith(".cedar")
                            ? body
                            : body.replaceFirst("^- ", "-" + " ".repeat(2 * indentScale - 1)));
            if (colons && flowDepth == 0 && !name.endsWith(".cedar") && !body.startsWith("#")) {
                l = l.replaceFirst("^(\\s*(?:- )?[\\w.-]+): (?=\\S)", "$1:   ");
            }
            flowDepth += body.replaceAll("[^\\[{]", "").length()
                    - body.replaceAll("[^\\]}]", "").length();
            b.append(l).append(trailing && !l.isEmpty() ? "  " : "").append('\n');
            if (blanks && body.isEmpty()) {
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static List<String> comments(String text) {
        return text.lines()
                .map(String::strip)
                .filter(l -> l.startsWith("#") || l.startsWith("//"))
                .toList();
    }

    /** The samples are what an author copies: they are kept formatted ({@code p9gate policy fmt --check policies/*}). */
    @Example
    void theSamplesAreFormatted() throws Exception {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                assertEquals(read(p), format(name, read(p)), name + " is not formatted: run p9gate policy fmt " + p);
            }
        }
    }

    /** Every sample policy, formatted (its Cedar files too) into a scratch directory, decides as the original does. */
    @Example
    void formattedSamplesDecideLikeTheOriginals() throws Exception {
        Path out = Files.createDirectories(Path.of("target", "fmt-samples"));
        List<String> names;
        try (Stream<Path> files = Files.list(SAMPLES)) {
            names = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String name : names) {
            Files.writeString(out.resolve(name), format(name, read(SAMPLES.resolve(name))));
        }
        int compared = 0;
        for (String name : names) {
            if (!name.endsWith(".yaml") || name.endsWith(".tests.yaml")) {
                continue;
            }
            PolicyEngine before = PolicyEngine.load(SAMPLES.resolve(name));
            PolicyEngine after = PolicyEngine.load(out.resolve(name));
            // what the gateway is served (fast path, or cached Cedar with hand-written policies): Cedar on every
            // request would take minutes, and FastPathAgreesWithCedarProperties shows the two agree
            for (DecisionRequest r : requests(before)) {
                PolicyDecision expected = before.decide(r);
                assertEquals(expected, after.decide(r), name + ": " + r);
                compared++;
            }
        }
        assertEquals(true, compared > 500, "compared " + compared + " decisions");
    }

    /** Every VM, share and operation, on paths built from the names the policy itself uses. */
    private static List<DecisionRequest> requests(PolicyEngine e) {
        TreeSet<String> names = new TreeSet<>(List.of("x", "a.log", "evil.sh"));
        for (VmPolicy vm : e.policy().vms().values()) {
            for (SharePolicy s : vm.shares().values()) {
                s.readOnly().forEach(t -> names.addAll(t.path().segments()));
                s.hidden().forEach(t -> names.addAll(t.path().segments()));
                s.rules()
                        .forEach(r -> r.paths()
                                .forEach(p -> names.addAll(p.prefix().stream()
                                        .filter(g -> !g.contains("*"))
                                        .toList())));
            }
        }
        List<String> paths = new ArrayList<>(List.of("/"));
        for (String a : names) {
            paths.add("/" + a);
            paths.add("/" + a + "/x");
        }
        // only hand-written Cedar can look at the guest's ids
        long[] uids = e.policy().cedarFiles().isEmpty() ? new long[] {1000} : new long[] {0, 1000};
        List<DecisionRequest> out = new ArrayList<>();
        for (VmPolicy vm : e.policy().vms().values()) {
            for (SharePolicy s : vm.shares().values()) {
                for (OpKind op : OpKind.values()) {
                    for (String p : paths) {
                        for (long uid : uids) {
                            out.add(new DecisionRequest(
                                    vm.id(),
                                    s.name(),
                                    op,
                                    SharePath.of(p),
                                    op.hasDestination() ? SharePath.of("/x") : null,
                                    uid,
                                    uid));
                        }
                    }
                }
            }
        }
        return out;
    }
}
