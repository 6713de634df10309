package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A guest cannot put set-uid or set-gid bits on host files (the gateway as root keeps any mode it
 * sets); directories keep set-gid, everything keeps the sticky bit (R-POL-5).
 */
class SetIdBitsTest extends ShareTestBase {
    private static final int RDWR = 2;
    private static final int S_IFREG = 0100000;

    private int hostMode(String name) throws Exception {
        return (int) Files.getAttribute(share.resolve(name), "unix:mode") & 07777;
    }

    private void chmod(String name, int mode) throws Exception {
        s.walk(0, 1, name);
        s.expect(RMessage.Rsetattr.class, new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_MODE, mode, 0, 0, 0,
                0, 0, 0, 0)));
        s.clunk(1);
    }

    @Test
    void createAndMknodDropSetIdBits() throws Exception {
        s.walk(0, 1);
        s.lcreate(1, "tool", RDWR, 06755);
        s.clunk(1);
        assertEquals(0755, hostMode("tool"));
        s.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "plain", S_IFREG | 07755, 0, 0, 0));
        assertEquals(01755, hostMode("plain"));
    }

    @Test
    void chmodOfAFileDropsSetIdBitsButKeepsSticky() throws Exception {
        Files.writeString(share.resolve("f"), "x");
        chmod("f", 06755);
        assertEquals(0755, hostMode("f"));
        chmod("f", 07644);
        assertEquals(01644, hostMode("f"));
    }

    @Test
    void directoriesKeepSetGidAndStickyButNotSetUid() throws Exception {
        s.expect(RMessage.Rmkdir.class, new TMessage.Tmkdir(0, "d", 0775, 0));
        chmod("d", 07775);
        assertEquals(03775, hostMode("d"));
        Path d = share.resolve("d");
        assertEquals(0, (int) Files.getAttribute(d, "unix:mode") & 04000);
    }
}
