package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 9P2000 or 9P2000.u Twstat giving a file a new name is the Trename of that file into the directory that holds it
 * (stat(5)). Alpha (PolicyFixture: /secret hidden) walks fid 1 to {@code held/f} and fid 2 to {@code held}; the host
 * then moves the file; the Twstat of fid 1 must be answered and recorded as 9P2000.L's Trename of fid 1 into fid 2:
 * one RENAME decision record, the same errno. Before, the Twstat looked for the file's directory before any
 * decision: a file moved out of the share or known by a removed name was answered the lookup's errno with no record,
 * so a guest could probe where the host had put its files unseen.
 */
class WstatRenameOfAMovedFileTest {
    /** Records of the session that tell nothing about the rename. */
    private static final Set<Operation> SETUP = Set.of(Operation.ATTACH, Operation.WALK);

    @TempDir
    Path tmp;

    /** What the host does to {@code data}/held/f between the walks and the rename ({@code data}: alpha's share). */
    @FunctionalInterface
    private interface HostMove {
        void move(Path data) throws Exception;
    }

    @DialectRefusalsTest.InEachLegacyDialect
    void aFileTheHostMovedOutOfTheShareIsRefusedByConfinementAndRecorded(Dialect dialect) throws Exception {
        HostMove out = data -> Files.move(data.resolve("held"), data.resolveSibling("moved-out"));

        assertAnsweredAsTrename(dialect, out, "answered EACCES", "RENAME [] EACCES [confinement] DONE");
    }

    /** Linked into the hidden /secret and unlinked: the handle is known by a removed name, which is recorded. */
    @DialectRefusalsTest.InEachLegacyDialect
    void aFileKnownByARemovedNameIsRefusedEstaleOnThatName(Dialect dialect) throws Exception {
        HostMove linkedAway = data -> {
            Files.createLink(data.resolve("secret/f"), data.resolve("held/f"));
            Files.delete(data.resolve("held/f"));
        };

        assertAnsweredAsTrename(dialect, linkedAway, "answered ESTALE", "RENAME [held/f] ESTALE [confinement] DONE");
    }

    /** Moved under the hidden /secret: decided there and refused as hidden, the new name beside the file. */
    @DialectRefusalsTest.InEachLegacyDialect
    void aFileTheHostMovedUnderAHiddenSubtreeIsRefusedAsHidden(Dialect dialect) throws Exception {
        HostMove hidden = data -> Files.move(data.resolve("held"), data.resolve("secret/held"));

        assertAnsweredAsTrename(
                dialect,
                hidden,
                "answered ENOENT",
                "RENAME [secret/held/f, secret/held/g] ENOENT [vm.alpha.share.data.hidden[0]] DONE");
    }

    @DialectRefusalsTest.InEachLegacyDialect
    void aFileTheHostLeftAloneIsRenamedAsBefore(Dialect dialect) throws Exception {
        HostMove none = data -> {};

        assertAnsweredAsTrename(
                dialect, none, "answered", "RENAME [held/f, held/g] null [vm.alpha.share.data.access] INTENT");
    }

    /** The Trename of the file into its directory gives {@code seen}, and the Twstat of {@code dialect} the same. */
    private void assertAnsweredAsTrename(Dialect dialect, HostMove move, String... seen) throws Exception {
        List<String> trename = renamed(Dialect.L, move);
        assertEquals(List.of(seen), trename);
        assertEquals(toldIn(dialect, trename), renamed(dialect, move), "the Twstat of " + dialect);
    }

    /**
     * {@code lines} with each errno as {@code dialect} tells it: a 9P2000 guest learns only errnos its client knows
     * by Rerror's text, and the record says the one it was told ({@link Errno#toldByTextAlone}).
     */
    private static List<String> toldIn(Dialect dialect, List<String> lines) {
        if (dialect != Dialect.LEGACY) {
            return lines;
        }
        return lines.stream()
                .map(line -> {
                    String told = line;
                    for (Errno e : Errno.values()) {
                        told = told.replaceAll(
                                "\\b" + e.name() + "\\b", e.toldByTextAlone().name());
                    }
                    return told;
                })
                .toList();
    }

    /**
     * In a fresh share of its own: alpha walks fid 1 to held/f and fid 2 to held, the host does {@code move}, and
     * alpha renames fid 1 to "g" ({@code dialect}'s way). What it answers, then each record after the walks:
     * operation, paths, errno, rules, phase.
     */
    private List<String> renamed(Dialect dialect, HostMove move) throws Exception {
        PolicyFixture fx = new PolicyFixture(Files.createDirectories(tmp.resolve(dialect.name())));
        Files.writeString(Files.createDirectories(fx.data.resolve("held")).resolve("f"), "held");
        List<String> seen = new ArrayList<>();
        try (ShareServerFactory shares = fx.shares(fx.holder());
                TestSession s = TestSession.attached(shares, fx.alphaListener(), dialect, "data")) {
            s.walk(TestSession.ROOT, 1, "held", "f");
            s.walk(TestSession.ROOT, 2, "held");
            move.move(fx.data);
            TMessage.FileRequest rename =
                    dialect == Dialect.L ? new TMessage.Trename(1, 2, "g") : Wstats.rename(1, "g");
            try {
                s.call(rename);
                seen.add("answered");
            } catch (P9Exception e) {
                seen.add("answered " + (dialect == Dialect.LEGACY ? e.errno().toldByTextAlone() : e.errno()));
            }
        }
        fx.audit.records.stream()
                .filter(r -> !SETUP.contains(r.request().operation()))
                .map(r -> r.request().operation() + " " + r.request().paths() + " "
                        + r.outcome().errno() + " " + r.decision().ruleIds() + " " + r.phase())
                .forEach(seen::add);
        return seen;
    }
}
