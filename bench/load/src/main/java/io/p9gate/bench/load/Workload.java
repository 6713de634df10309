package io.p9gate.bench.load;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The workloads of the benchmark client contract (bench/clients/guest-kernel.sh), by their command-line name. */
public enum Workload {
    SEQ_WRITE("seq-write"),
    SEQ_READ("seq-read"),
    META("meta"),
    GETATTR("getattr");

    private final String cliName;

    Workload(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** @throws IllegalArgumentException naming the known workloads */
    public static Workload parse(String name) {
        for (Workload w : values()) {
            if (w.cliName.equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + name + "' (known: "
                + Arrays.stream(values()).map(Workload::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
