package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

/** Trees deeper than PATH_MAX, which tests make through the gateway. */
public final class DeepTrees {
    private DeepTrees() {}

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    public static void remove(Path top) throws Exception {
        Process rm = new ProcessBuilder("rm", "-rf", top.toString()).inheritIO().start();
        assertEquals(0, rm.waitFor());
    }
}
