package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.cli.PolicyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision's {@code detail} is words the writer separates with spaces, and it puts guest-chosen text among them
 * (walked names, {@code to=} paths, symlink targets, xattr names). A name that ends in a word the writer appends
 * itself ({@code phase=outcome intent=N}, {@code paths=varied}) made a refused request read as the outcome of a
 * change or a summary of refusals: {@code policy replay} skipped it ("outcome of a change"), so the guest's
 * refused requests vanished from the review of a new policy, and the record of such a refusal had the same detail
 * as the writer's own words. Guest text in a detail must not be able to form a word.
 */
class DetailWordForgeryAttackTest {
    private static final List<String> FORGED_WORDS =
            List.of("x phase=outcome intent=1", "phase=outcome", "paths=varied", "y repeat_of=2");

    @TempDir
    Path tmp;

    @Test
    void guestNamesCannotPoseAsTheWritersWordsInADetail() throws Exception {
        Path log;
        Path key;
        Path policy;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            log = rig.logs.dir;
            key = rig.logs.publicKey;
            policy = rig.policy.policyFile;
            alpha.walk(0, 1, "base");
            for (String name : FORGED_WORDS) {
                assertThrows(P9Exception.class, () -> alpha.walk(0, 99, "secret", name)); // hidden: denied
                assertThrows(P9Exception.class, () -> alpha.renameat(0, "notes.txt", 1, name)); // read-only
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = PolicyCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(
                "replay",
                "--log",
                log.toString(),
                "--key",
                key.toString(),
                "--policy",
                policy.toString(),
                "--format",
                "json");
        assertEquals(0, code, err + out.toString());
        JsonNode report = new ObjectMapper().readTree(out.toString());
        report.get("notReplayed")
                .get("byReason")
                .properties()
                .forEach(e -> assertTrue(
                        e.getKey().endsWith("record (not a request)"), "a refusal was not replayed: " + e.getKey()));
        assertTrue(report.get("unchanged").get("requests").asLong() >= 2L * FORGED_WORDS.size(), out.toString());
    }
}
