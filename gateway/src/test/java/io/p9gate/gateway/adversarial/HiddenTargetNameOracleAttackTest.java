package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team against R-POL-4 through the requests that name a new entry: a Trenameat, Tlink, Tsymlink, Tmkdir, Tmknod
 * or Tlcreate whose new name is hidden by the policy must answer the same whether a hidden directory, a hidden file
 * or nothing is behind that name on the host (else EEXIST, ENOTEMPTY or EISDIR would say what the guest may not see),
 * and must not replace or make what is hidden; so must a rename of the directory into its own hidden subtree.
 */
class HiddenTargetNameOracleAttackTest {
    private static final String OPTIONS = "hidden: [/pub/vault, /pub/secret, /pub/ghost]";
    /** 9P2000.u's hard link (Linux include/net/9p/9p.h P9_DMLINK). */
    private static final int DMLINK = 0x01000000;

    private static final List<String> HIDDEN = List.of("vault", "secret", "ghost");

    @TempDir
    Path tmp;

    @Test
    void aHiddenNewNameAnswersTheSameWhateverIsBehindIt() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            Path share = withHiddenEntries(gw);
            Map<String, List<String>> answers = new TreeMap<>();
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "pub");
                for (String hidden : HIDDEN) {
                    List<String> replies = new ArrayList<>();
                    Files.writeString(share.resolve("pub/file"), "f");
                    Files.createDirectories(share.resolve("pub/emptydir"));
                    Files.createDirectories(share.resolve("pub/fulldir/in"));
                    replies.add("renameat file " + errno(guest, new TMessage.Trenameat(1, "file", 1, hidden)));
                    replies.add("renameat emptydir " + errno(guest, new TMessage.Trenameat(1, "emptydir", 1, hidden)));
                    replies.add("renameat fulldir " + errno(guest, new TMessage.Trenameat(1, "fulldir", 1, hidden)));
                    guest.walk(1, 2, "file");
                    replies.add("link " + errno(guest, new TMessage.Tlink(1, 2, hidden)));
                    guest.clunk(2);
                    replies.add("symlink " + errno(guest, new TMessage.Tsymlink(1, hidden, "x", 0)));
                    replies.add("mkdir " + errno(guest, new TMessage.Tmkdir(1, hidden, 0755, 0)));
                    replies.add("mknod " + errno(guest, new TMessage.Tmknod(1, hidden, 0010644, 0, 0, 0)));
                    guest.walk(1, 3);
                    replies.add("lcreate " + errno(guest, new TMessage.Tlcreate(3, hidden, 2, 0644, 0)));
                    guest.clunk(3);
                    replies.add("unlinkat " + errno(guest, new TMessage.Tunlinkat(1, hidden, 0)));
                    replies.add("rmdir " + errno(guest, new TMessage.Tunlinkat(1, hidden, 0x200)));
                    // The directory into its own hidden subtree, by the very request that names it (round 15): on the
                    // host EINVAL whether or not the name exists.
                    replies.add("renameat pub " + errno(guest, new TMessage.Trenameat(0, "pub", 1, hidden)));
                    replies.add("rename pub " + errno(guest, new TMessage.Trename(1, 1, hidden)));
                    answers.put(hidden, replies);
                }
            }
            assertEquals(answers.get("ghost"), answers.get("vault"), "a hidden directory told from nothing");
            assertEquals(answers.get("ghost"), answers.get("secret"), "a hidden file told from nothing");
            assertEquals("secret", Files.readString(share.resolve("pub/secret")), "the hidden file is untouched");
            assertEquals("secret", Files.readString(share.resolve("pub/vault/x")), "the hidden directory too");
            assertEquals(false, Files.exists(share.resolve("pub/ghost")), "nothing made at a hidden name: " + answers);
        }
    }

    /**
     * A 9P2000.u Twstat renames as rename(2) does, replacing what is at the new name (round 15): onto a hidden name it
     * answers alike whatever is behind it and replaces nothing; so does a 9P2000 one, which never replaces.
     */
    @Test
    void aWstatRenameOntoAHiddenNameAnswersAlikeAndReplacesNothing() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            Path share = withHiddenEntries(gw);
            Map<String, List<String>> answers = new TreeMap<>();
            for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
                try (P9Client guest = gw.client()) {
                    guest.version(65536, dialect.version());
                    if (dialect == Dialect.U) {
                        guest.attach(0, "root", "data", 0);
                    } else {
                        guest.await(guest.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, dialect)));
                    }
                    for (String hidden : HIDDEN) {
                        Files.writeString(share.resolve("pub/file"), "f");
                        guest.walk(0, 1, "pub", "file");
                        Stat.Common rename = Wstats.common(-1, hidden, -1, -1, -1L, "");
                        TMessage wstat =
                                dialect == Dialect.U ? Wstats.unix(1, rename, -1, -1) : Wstats.plain(1, rename);
                        answers.computeIfAbsent(hidden, h -> new ArrayList<>())
                                .add(dialect.version() + " " + errno(guest, wstat));
                        guest.clunk(1);
                    }
                }
            }
            assertEquals(answers.get("ghost"), answers.get("vault"), "a hidden directory told from nothing");
            assertEquals(answers.get("ghost"), answers.get("secret"), "a hidden file told from nothing");
            assertEquals("secret", Files.readString(share.resolve("pub/secret")), "the hidden file is not replaced");
            assertEquals("secret", Files.readString(share.resolve("pub/vault/x")), "the hidden directory neither");
            assertEquals(false, Files.exists(share.resolve("pub/ghost")), "nothing made at a hidden name: " + answers);
        }
    }

    /**
     * A 9P2000.u Tcreate of a symlink, a hard link (the extension a fid's number), a device or a fifo at a hidden name
     * (round 15): answered alike whatever is behind it, and nothing made or replaced.
     */
    @Test
    void aDotUSpecialCreateAtAHiddenNameAnswersAlike() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, OPTIONS, "data")) {
            Path share = withHiddenEntries(gw);
            Files.writeString(share.resolve("pub/file"), "f");
            Map<String, List<String>> answers = new TreeMap<>();
            try (P9Client guest = gw.client()) {
                guest.version(65536, Dialect.U.version());
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "pub", "file");
                for (String hidden : HIDDEN) {
                    List<String> replies = new ArrayList<>();
                    List<TMessage.Tcreate> asked = List.of(
                            new TMessage.Tcreate(2, hidden, Stat.DMSYMLINK | 0777, 0, Optional.of("/etc/passwd")),
                            new TMessage.Tcreate(2, hidden, DMLINK | 0644, 0, Optional.of("1")),
                            new TMessage.Tcreate(2, hidden, Stat.DMDEVICE | 0666, 0, Optional.of("c 1 3")),
                            new TMessage.Tcreate(2, hidden, Stat.DMNAMEDPIPE | 0644, 0, Optional.of("")),
                            new TMessage.Tcreate(2, hidden, 0644, 1, Optional.of("")));
                    for (TMessage.Tcreate create : asked) {
                        guest.walk(0, 2, "pub");
                        replies.add(Integer.toHexString(create.perm()) + " " + errno(guest, create));
                        guest.clunk(2);
                    }
                    answers.put(hidden, replies);
                }
            }
            assertEquals(answers.get("ghost"), answers.get("vault"), "a hidden directory told from nothing");
            assertEquals(answers.get("ghost"), answers.get("secret"), "a hidden file told from nothing");
            assertEquals("secret", Files.readString(share.resolve("pub/secret")), "the hidden file is not replaced");
            assertEquals("secret", Files.readString(share.resolve("pub/vault/x")), "the hidden directory neither");
            assertEquals(
                    false,
                    Files.exists(share.resolve("pub/ghost"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "nothing made at a hidden name: " + answers);
        }
    }

    /** The share, with a hidden directory {@code /pub/vault} (not empty) and a hidden file {@code /pub/secret}. */
    private static Path withHiddenEntries(HostShareGateway gw) throws Exception {
        Path share = gw.share("data");
        Files.createDirectories(share.resolve("pub/vault/sub"));
        Files.writeString(share.resolve("pub/vault/x"), "secret");
        Files.writeString(share.resolve("pub/secret"), "secret");
        return share;
    }

    private static String errno(P9Client guest, TMessage request) throws Exception {
        try {
            guest.rpc(request);
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }
}
