package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program links its open file elsewhere, unlinks the name it opened it by, then renames the link by name
 * (Trenameat, as rename(2) in the guest sends): its handle is found at the link's new name ({@link LinkedNames}),
 * as after a rename through the handle itself, not refused as a removed name (ESTALE) for the rest of its life.
 */
class LinkedNameRenamedByNameTest {
    @TempDir
    Path tmp;

    private ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("share/pub"));
        Files.writeString(dir.resolve("f"), "f");
        share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
        share.watchMoves();
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    @Test
    void aLinkRenamedByNameIsWhereItsFileIsLookedFor() throws Exception {
        assertEquals("pub/h", placedAfterLinkUnlinkAndRename("", "g", "h"), "the handle placed where its file is");
    }

    /** The directory the link is in renamed by name ({@code mv sub sub2}): the file is looked for beneath it. */
    @Test
    void aLinkWhoseDirectoryIsRenamedByNameIsFollowed() throws Exception {
        Files.createDirectories(tmp.resolve("share/pub/sub"));
        assertEquals(
                "pub/sub2/g",
                placedAfterLinkUnlinkAndRename("sub", "sub", "sub2"),
                "the handle placed where its file is");
    }

    /**
     * pub/f linked as g in pub or in its directory {@code in}, pub/f unlinked, then {@code from} renamed to {@code to}
     * in pub by name: where the handle of pub/f is placed.
     */
    private String placedAfterLinkUnlinkAndRename(String in, String from, String to) throws Exception {
        Entries entries = new Entries(share);
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node linkDir = in.isEmpty() ? share.lookup(root, "pub") : share.lookup(pub, in);
                Node f = share.lookup(pub, "f")) {
            entries.link(f, linkDir, "g");
            entries.unlinkAt(pub, "f", false);
            entries.renameAt(pub, from, pub, to, false);
            return share.placedPath(f);
        }
    }
}
