package io.p9gate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * JVM options a production gateway would take from its environment (R-DEP-4). The launchers give the JVM a fixed
 * command line, but the JVM and the {@code java} launcher also read {@code JAVA_TOOL_OPTIONS},
 * {@code JDK_JAVA_OPTIONS} and {@code _JAVA_OPTIONS}: one line in a unit's drop-in ({@code Environment=}) or in the
 * service manager's environment would switch on a development convenience the command line never shows, such as
 * {@code -Djavax.net.debug=all} (every decrypted 9P frame of the TLS listeners in the journal),
 * {@code -XX:+HeapDumpOnOutOfMemoryError} (the keys and the guests' data in a file), a debugger or JMX. Only
 * sizing options, which change no behaviour a guest or a reviewer relies on, are taken from there.
 */
final class EnvironmentJvmOptions {
    /** The variables the JVM ({@code JAVA_TOOL_OPTIONS}, {@code _JAVA_OPTIONS}) or its launcher reads options from. */
    static final List<String> VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private static final String SIZE = "[0-9]+[kKmMgGtT]?";
    private static final String PERCENT = "[0-9]+(\\.[0-9]+)?";

    /** Heap, stack and direct memory sizes, and the CPUs the JVM sizes its threads for. */
    private static final Pattern SIZING = Pattern.compile("-Xm[sx]" + SIZE + "|-Xss" + SIZE
            + "|-XX:(Max|Min|Initial)RAMPercentage=" + PERCENT + "|-XX:MaxDirectMemorySize=" + SIZE
            + "|-XX:ActiveProcessorCount=[0-9]+");

    private EnvironmentJvmOptions() {}

    /** One reason per variable that carries an option other than a size; none when there is none. */
    static List<String> refusals(Map<String, String> environment) {
        List<String> why = new ArrayList<>();
        for (String variable : VARIABLES) {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                continue;
            }
            List<String> others = new ArrayList<>();
            for (String option : value.strip().split("\\s+")) {
                if (!SIZING.matcher(option).matches()) {
                    others.add(option);
                }
            }
            if (!others.isEmpty()) {
                why.add("JVM options from the environment: " + variable + " has " + String.join(" ", others)
                        + " (a debugger, JMX, TLS debugging or heap dumps expose the guests' data and the keys; only "
                        + "-Xmx, -Xms, -Xss, -XX:*RAMPercentage=, -XX:MaxDirectMemorySize= and "
                        + "-XX:ActiveProcessorCount= may come from there: unset it)");
            }
        }
        return why;
    }
}
