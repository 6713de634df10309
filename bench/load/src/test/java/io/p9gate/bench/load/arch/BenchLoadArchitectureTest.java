package io.p9gate.bench.load.arch;

import io.p9gate.audit.arch.ModuleArchitecture;
import org.junit.jupiter.api.Test;

/** The rule every module keeps (docs/architecture.md): no cycles between the load clients' packages. */
class BenchLoadArchitectureTest {
    private static final String ROOT = "io.p9gate.bench.load";

    @Test
    void packagesFormNoCycles() {
        ModuleArchitecture.packagesFormNoCycles(ROOT).check(ModuleArchitecture.mainClasses(ROOT));
    }
}
