package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.LoggedLines;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The lines a session logs for its peer's doing (a tag reused while outstanding, replies left unread, a refused
 * dialect) are throttled to one a minute. The throttle was one for the whole process: VM a's flood of reused tags
 * left VM b's line out (1 line for the two VMs' connections). It is now kept per VM, as the refused connections'.
 */
class SessionLogPerVmTest {
    @Test
    void aTagReusedByOneVmDoesNotHideAnotherVmsLine() throws Exception {
        // VMs of their own: the throttle is the process's, and other tests of this JVM log such lines too.
        String run = UUID.randomUUID().toString();
        List<String> vms = List.of("a-" + run, "a-" + run, "a-" + run, "b-" + run);
        try (LoggedLines log = new LoggedLines(Session.class.getName())) {
            for (String vm : vms) {
                reuseATag(vm);
            }
            List<String> lines = log.startingWith("closing connection from").stream()
                    .filter(l -> l.contains("reused while outstanding"))
                    .toList();
            assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
        }
    }

    /** A session of {@code vm} whose second request takes the tag of its first, still held by the lane. */
    private static void reuseATag(String vm) throws Exception {
        HeldLane lane = new HeldLane(VmBudget.unlimited(vm));
        try (EmbeddedSession s = new EmbeddedSession(65536, lane, false, vm)) {
            s.negotiate(8192);
            lane.runAll();
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // held by the lane: outstanding
            s.send(1, new TMessage.Tgetattr(0, 0x7ff));
            assertFalse(s.channel.isOpen(), "a tag reused while outstanding closes the connection");
            lane.runAll();
        }
    }
}
