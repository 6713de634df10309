package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.read.LogDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded structured fuzzing of every reader of a closed, fully signed log: each mutation of its segments or
 * sidecar (bit flips, truncation, lines duplicated, swapped or deleted, JSON edge cases) is run through
 * {@code verify}, {@code show}, {@code export}, {@code stats}, {@code report} and {@code prove}. None may print a
 * stack trace, exit with a code its documentation does not list, print a raw control character to a terminal
 * format, or call a log whose records were changed intact.
 */
class TamperedLogFuzzTest {
    private static final long SEED = 0x9a7e_2026L;
    private static final int MUTATIONS = 100;

    private static final Set<Integer> VERIFY_CODES = Set.of(0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    private static final Set<Integer> READER_CODES = Set.of(0, 1);

    @TempDir
    Path tmp;

    @Test
    void everyToolSurvivesEveryMutationAndNoneCallsAChangedLogIntact() throws Exception {
        ReviewedLog original = ReviewedLog.in(tmp);
        try (AuditLog l = original.openWithDecisions(60)) {
            l.checkpoint();
        }
        Random random = new Random(SEED);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < MUTATIONS; i++) {
            Path copy = tmp.resolve("m" + i);
            copyTree(original.log(), copy);
            Mutation m = mutate(copy, random);
            check(i, m, copy, original.pub(), problems);
            deleteTree(copy);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** What was done to the copy, and whether it changed the records (the sidecar alone may read as a crash). */
    record Mutation(String what, boolean recordsChanged) {}

    private static void check(int i, Mutation m, Path log, Path pub, List<String> problems) {
        String dir = log.toString();
        String html = log.resolveSibling(log.getFileName() + ".html").toString();
        List<String[]> runs = List.of(
                new String[] {"verify", "--log", dir, "--key", pub.toString()},
                new String[] {"verify", "--log", dir, "--key", pub.toString(), "--json"},
                new String[] {"show", "--log", dir},
                new String[] {"show", "--log", dir, "--format", "json"},
                new String[] {"export", "--log", dir, "--format", "rfc5424"},
                new String[] {"export", "--log", dir, "--format", "jsonl"},
                new String[] {"stats", "--log", dir},
                new String[] {"stats", "--log", dir, "--format", "json"},
                new String[] {"report", "--html", html, "--log", dir, "--key", pub.toString()},
                new String[] {"prove", "5", "--log", dir, "--key", pub.toString()});
        for (String[] args : runs) {
            String name = "mutation " + i + " (" + m.what() + "): "
                    + String.join(" ", args).replace(dir, "LOG");
            CliRun r;
            try {
                r = CliRun.audit(args);
            } catch (RuntimeException | Error e) {
                problems.add(name + ": threw " + e);
                continue;
            }
            if (r.err().contains("\tat ") || r.err().contains("Exception")) {
                problems.add(name + ": stack trace: " + r.err().lines().limit(3).toList());
            }
            boolean verifies = args[0].equals("verify") || args[0].equals("report");
            Set<Integer> codes = verifies ? VERIFY_CODES : args[0].equals("prove") ? Set.of(0, 1, 2) : READER_CODES;
            if (!codes.contains(r.exit())) {
                problems.add(name + ": exit " + r.exit() + " "
                        + r.err().lines().limit(2).toList());
            }
            if (verifies && m.recordsChanged() && r.exit() == 0) {
                problems.add(name + ": OK for a changed log: "
                        + r.out().lines().limit(2).toList());
            }
            if (!args[args.length - 1].equals("json") && !args[args.length - 1].equals("jsonl")) {
                String bad = unprintable(r.out() + r.err());
                if (bad != null) {
                    problems.add(name + ": raw control character: " + bad);
                }
            }
        }
    }

    private static String unprintable(String output) {
        for (String line : output.split("\n", -1)) {
            for (int c : line.codePoints().toArray()) {
                if (Character.isISOControl(c)
                        || Character.isSurrogate((char) c) && c < 0x10000
                        || Character.getType(c) == Character.FORMAT
                        || c == 0x2028
                        || c == 0x2029) {
                    return "U+" + Integer.toHexString(c) + " in " + line.substring(0, Math.min(line.length(), 200));
                }
            }
        }
        return null;
    }

    private static Mutation mutate(Path log, Random random) throws IOException {
        List<Path> segments = LogDirectory.segments(log);
        Path sidecar = LogDirectory.checkpointsFile(log);
        int kind = random.nextInt(14);
        Path target = kind >= 12 ? sidecar : segments.get(random.nextInt(segments.size()));
        byte[] bytes = Files.readAllBytes(target);
        List<byte[]> lines = lines(bytes);
        int at = random.nextInt(lines.size());
        String where = target.getFileName() + " line " + (at + 1);
        boolean records = target != sidecar;
        switch (kind) {
            case 0 -> {
                int pos = random.nextInt(bytes.length);
                bytes[pos] ^= (byte) (1 << random.nextInt(8));
                Files.write(target, bytes);
                return new Mutation("bit flip at " + target.getFileName() + " offset " + pos, records);
            }
            case 1 -> {
                Path last = segments.getLast();
                byte[] b = Files.readAllBytes(last);
                int lastStart = lastLineStart(b);
                int cut = lastStart + random.nextInt(b.length - lastStart);
                Files.write(last, java.util.Arrays.copyOf(b, cut));
                return new Mutation("cut " + last.getFileName() + " at " + cut, true);
            }
            case 2 -> {
                lines.add(at, lines.get(at));
                return write(target, lines, "duplicated " + where, records);
            }
            case 3 -> {
                int other = random.nextInt(lines.size());
                if (other == at) {
                    other = (at + 1) % lines.size();
                }
                byte[] t = lines.get(at);
                lines.set(at, lines.get(other));
                lines.set(other, t);
                return write(target, lines, "swapped " + where + " and " + (other + 1), records && lines.size() > 1);
            }
            case 4 -> {
                lines.remove(at);
                return write(target, lines, "deleted " + where, records);
            }
            default -> {
                String edge = edgeCase(random, new String(lines.get(at), StandardCharsets.ISO_8859_1));
                lines.set(at, edge.getBytes(StandardCharsets.ISO_8859_1));
                return write(target, lines, "edge case at " + where + ": " + abbreviate(edge), records);
            }
        }
    }

    /** A stored line replaced by a JSON edge case (ISO-8859-1 so that every char is one byte, raw). */
    private static String edgeCase(Random random, String line) {
        String field = "\"path\":\"";
        int p = line.indexOf(field);
        String head = p < 0 ? line.substring(0, line.length() / 2) : line.substring(0, p + field.length());
        String tail = p < 0 ? "" : line.substring(line.indexOf('"', p + field.length()));
        return switch (random.nextInt(16)) {
            case 0 -> "[".repeat(100_000) + "]".repeat(100_000);
            case 1 -> "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000);
            case 2 -> line.replaceFirst("\"seq\":[0-9]+", "\"seq\":1" + "0".repeat(400));
            case 3 -> line.replaceFirst("\"seq\":[0-9]+", "\"seq\":1e999999999");
            case 4 -> head + "x".repeat(1_000_000) + tail;
            case 5 -> line.replaceFirst("\\{", "{\"seq\":0,\"type\":\"start\",\"time\":\"2026-01-01T00:00:00Z\",");
            case 6 -> head + "\u00ff\u00fe\u00c3(\u00ed\u00a0\u0080" + tail;
            case 7 -> head + "a\u0000b" + tail;
            case 8 -> "\u00ef\u00bb\u00bf" + line;
            case 9 -> line + "\r";
            case 10 -> head + "\\ud800\\udc00\\udbff\\u0000\\u001b[2J\\u202e" + tail;
            case 11 -> line.replace("\"", "\"\\u0022");
            case 12 -> line.replaceFirst("\"time\":\"[^\"]*\"", "\"time\":\"+999999999-12-31T23:59:59.999999999Z\"");
            case 13 -> line.replaceFirst("\"time\":\"[^\"]*\"", "\"time\":\"2026-02-30T25:61:61Z\"");
            case 14 -> line.replaceFirst("\"seq\":[0-9]+", "\"seq\":-1");
            default -> line.replaceFirst("\"(count|session|tag|errno)\":[0-9null]+", "\"$1\":99999999999999999999");
        };
    }

    private static String abbreviate(String s) {
        String e = io.p9gate.audit.read.PrintableText.escape(s);
        return e.length() <= 80 ? e : e.substring(0, 80) + "...[" + s.length() + "]";
    }

    private static Mutation write(Path target, List<byte[]> lines, String what, boolean records) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.write(l);
            out.write('\n');
        }
        Files.write(target, out.toByteArray());
        return new Mutation(what, records);
    }

    private static List<byte[]> lines(byte[] bytes) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                out.add(java.util.Arrays.copyOfRange(bytes, start, i));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            out.add(java.util.Arrays.copyOfRange(bytes, start, bytes.length));
        }
        return out;
    }

    private static int lastLineStart(byte[] b) {
        int i = b.length - 2;
        while (i >= 0 && b[i] != '\n') {
            i--;
        }
        return i + 1;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (!p.getFileName().toString().equals("writer.lock")) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
