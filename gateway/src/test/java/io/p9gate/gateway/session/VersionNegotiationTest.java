package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import org.junit.jupiter.api.Test;

/** R-PROTO-2: msize negotiation up to 1 MiB and beyond, version string handling. */
class VersionNegotiationTest {
    private static final int MAX = 1024 * 1024 + 4096;

    private static RMessage answer(int msize, String version) {
        VersionNegotiation n = VersionNegotiation.of(new TMessage.Tversion(msize, version), MAX);
        return n.reply(n.accept());
    }

    @Test
    void msizeIsTheSmallerMaximum() {
        assertEquals(new RMessage.Rversion(MAX, "9P2000.L"), answer(1 << 30, "9P2000.L"));
        assertEquals(new RMessage.Rversion(MAX, "9P2000.L"), answer(0xffffffff, "9P2000.L")); // u32, not -1
        assertEquals(new RMessage.Rversion(512 * 1024, "9P2000.L"), answer(512 * 1024, "9P2000.L"));
        assertEquals(new RMessage.Rversion(4096, "9P2000.L"), answer(4096, "9P2000.L"));
    }

    @Test
    void tooSmallMsizeIsEinval() {
        assertEquals(new RMessage.Rlerror(Errno.EINVAL), answer(4095, "9P2000.L"));
        assertEquals(new RMessage.Rlerror(Errno.EINVAL), answer(0, "9P2000.L"));
    }

    @Test
    void onlyDotLIsSpoken() {
        assertEquals(new RMessage.Rversion(8192, "9P2000.L"), answer(8192, "9P2000.L.extension"));
        assertEquals(new RMessage.Rversion(8192, "unknown"), answer(8192, "9P2000.u"));
        assertEquals(new RMessage.Rversion(8192, "unknown"), answer(8192, "9P2000"));
        assertEquals(new RMessage.Rversion(8192, "unknown"), answer(8192, ""));
    }

    @Test
    void aSessionThatCannotOpenIsEio() {
        VersionNegotiation n = VersionNegotiation.of(new TMessage.Tversion(8192, "9P2000.L"), MAX);
        assertEquals(new RMessage.Rlerror(Errno.EIO), n.reply(false));
    }
}
