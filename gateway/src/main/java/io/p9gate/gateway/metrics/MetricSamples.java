package io.p9gate.gateway.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The samples of a Prometheus text exposition, parsed back (what {@code p9gate status} and the tests read). */
public record MetricSamples(List<Sample> samples) {
    public MetricSamples {
        samples = List.copyOf(samples);
    }

    /** One line: {@code name{label="value",...} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = Map.copyOf(labels);
        }
    }

    /** @throws IllegalArgumentException naming the line that is not a sample */
    public static MetricSamples parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new MetricSamples(samples);
    }

    /** The sum of {@code name}'s samples whose labels include every one of {@code labels}. */
    public double sum(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value)
                .sum();
    }

    public double sum(String name) {
        return sum(name, Map.of());
    }

    /**
     * The sums of {@code name}'s samples whose labels include every one of {@code labels}, by the value of their
     * label {@code by} (samples without it left out), in one pass: {@link #sum} per value would read every sample
     * once per value, and the answer comes from a peer that may list hundreds of thousands of values.
     */
    public Map<String, Double> sumsBy(String name, String by, Map<String, String> labels) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Sample s : samples) {
            String value = s.labels().get(by);
            if (value != null && s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                sums.merge(value, s.value(), Double::sum);
            }
        }
        return sums;
    }

    /** Every value label {@code label} takes in {@code name}'s samples, in order of appearance. */
    public List<String> labelValues(String name, String label) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().containsKey(label))
                .map(s -> s.labels().get(label))
                .distinct()
                .toList();
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            rest = labels(line, brace + 1, labels);
        } else if (space > 0) {
            name = line.substring(0, space);
            rest = space;
        } else {
            throw notASample(line);
        }
        String[] tail = line.substring(rest).strip().split(" ");
        try {
            return new Sample(name, labels, value(tail[0]));
        } catch (NumberFormatException e) {
            throw notASample(line);
        }
    }

    private static IllegalArgumentException notASample(String line) {
        return new IllegalArgumentException("not a metrics sample: " + excerpt(line));
    }

    /** How much of a peer's line an error message quotes. */
    static final int EXCERPT = 120;

    /**
     * The start of {@code text} for an error message: the text is the peer's, and a line of it may be megabytes,
     * which the one-line error would print whole.
     */
    static String excerpt(String text) {
        return text.length() <= EXCERPT
                ? text
                : text.substring(0, EXCERPT) + "... (" + (text.length() - EXCERPT) + " more characters)";
    }

    /** The exposition spells infinity +Inf (an unlimited quota or budget), which Java does not parse. */
    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /**
     * The most labels a sample may have: the gateway's have at most four. A peer's line may hold any number, and
     * names it chooses to hash alike make the immutable label map probe every earlier one for each new one.
     */
    static final int MAX_LABELS = 16;

    /** Reads {@code a="x",b="y"}} from {@code at}; returns the index after the closing brace. */
    private static int labels(String line, int at, Map<String, String> into) {
        int i = at;
        while (i < line.length() && line.charAt(i) != '}') {
            if (into.size() == MAX_LABELS) {
                throw notASample(line);
            }
            int eq = line.indexOf("=\"", i);
            if (eq < 0) {
                throw notASample(line);
            }
            String label = line.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length() && line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < line.length()) {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            into.put(label, value.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        if (i >= line.length()) {
            throw notASample(line);
        }
        return i + 1;
    }
}
