package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The differential fuzzer's reference, diod, runs as root and follows symlinks on the host: a symlink the sequence
 * makes must never lead to anything on the host outside the tree, or an open and a write through it rewrite a host
 * file (seed 1151 of {@link DiodDifferentialFuzzTest} overwrote {@code /etc/passwd} through a link to it).
 */
class RequestSequenceHostSafetyTest {
    private static final Target ANY = null; // a symlink's request does not depend on the server

    @Test
    void noSymlinkOfTheSequenceLeadsToAnExistingPlaceOutsideTheTree() {
        Set<String> targets = new TreeSet<>();
        for (long seed = 1000; seed < 1200; seed++) {
            RequestSequence sequence = new RequestSequence(seed, 2);
            for (int i = 0; i < 526; i++) {
                FuzzStep step = sequence.next();
                if (step.label().startsWith("Tsymlink")
                        && step.request().apply(ANY)
                                instanceof TMessage.Tsymlink(var dfid, var name, var target, var gid)) {
                    targets.add(target);
                }
            }
        }
        assertTrue(targets.stream().anyMatch(t -> t.startsWith("/")), "the sequence still makes absolute links");
        List<String> reachingTheHost = targets.stream()
                .filter(t -> t.startsWith("/"))
                .filter(t -> leadsSomewhere(Path.of(t)))
                .toList();
        assertEquals(List.of(), reachingTheHost, "absolute symlink targets that lead to the host");
    }

    /** The target exists, or its directory does: a create through the link would make it there. */
    private static boolean leadsSomewhere(Path target) {
        return Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                || Files.exists(target.getParent(), LinkOption.NOFOLLOW_LINKS);
    }
}
