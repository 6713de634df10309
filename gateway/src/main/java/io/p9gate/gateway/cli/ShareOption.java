package io.p9gate.gateway.cli;

import io.p9gate.policy.load.PolicyParser;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code --share NAME=DIR} values into the share map, with one-line errors. */
final class ShareOption {
    private ShareOption() {}

    /**
     * @throws IllegalArgumentException naming the bad value
     * @throws ShareDirectory.NotThereYet a DIR that does not exist, every value being otherwise right
     */
    static Map<String, Path> parse(List<String> values) {
        Map<String, Path> shares = new LinkedHashMap<>();
        ShareDirectory.Checks directories = new ShareDirectory.Checks();
        for (String value : values) {
            int eq = value.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("--share '" + value + "' must be NAME=DIR");
            }
            String name = value.substring(0, eq);
            String dir = value.substring(eq + 1);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("--share '" + value + "' has an empty NAME");
            }
            if (!PolicyParser.isName(name)) { // a policy's share takes no other: one tried here must load there too
                // Raw, as every value here: the one place errors are printed escapes them (CliMessages), once.
                throw new IllegalArgumentException("--share name '" + name + "' must match " + PolicyParser.NAME_RULE);
            }
            if (dir.isEmpty()) {
                throw new IllegalArgumentException("--share '" + value + "' has an empty DIR");
            }
            Path path;
            try {
                path = Path.of(dir).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("--share '" + value + "': invalid path: " + e.getReason());
            }
            directories.require("--share '" + value + "'", path);
            if (shares.putIfAbsent(name, path) != null) {
                throw new IllegalArgumentException("--share name '" + name + "' is given twice");
            }
        }
        directories.requireAllThere();
        return shares;
    }
}
