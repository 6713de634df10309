package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;

/** Trees deeper than PATH_MAX, which tests make through the gateway. */
public final class DeepTrees {
    private DeepTrees() {}

    /**
     * Makes {@code depth} nested directories named {@code name} through the gateway (Java's file API stops at
     * PATH_MAX) from the share root; returns the fid of the deepest, numbered {@code depth} (the others clunked).
     */
    public static int descend(TestSession s, String name, int depth) throws Exception {
        int dir = TestSession.ROOT;
        for (int i = 1; i <= depth; i++) {
            s.call(new TMessage.Tmkdir(dir, name, 0755, 0));
            s.walk(dir, i, name);
            if (dir != TestSession.ROOT) {
                s.clunk(dir);
            }
            dir = i;
        }
        return dir;
    }

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    public static void remove(Path top) throws Exception {
        Process rm = new ProcessBuilder("rm", "-rf", top.toString()).inheritIO().start();
        assertEquals(0, rm.waitFor());
    }
}
