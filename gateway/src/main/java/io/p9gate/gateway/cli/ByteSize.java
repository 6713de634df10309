package io.p9gate.gateway.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** A byte count on the command line: a whole number with an optional binary suffix, e.g. {@code 64MiB}, {@code 2GiB}. */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(KiB|MiB|GiB|TiB)?");

    @Override
    public Long convert(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a byte count (a number, optionally with KiB, MiB, GiB or TiB)");
        }
        long n = Long.parseLong(m.group(1));
        int shift = m.group(2) == null
                ? 0
                : switch (m.group(2).toUpperCase(Locale.ROOT)) {
                    case "KIB" -> 10;
                    case "MIB" -> 20;
                    case "GIB" -> 30;
                    default -> 40;
                };
        if (n > Long.MAX_VALUE >> shift) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too large");
        }
        return n << shift;
    }
}
