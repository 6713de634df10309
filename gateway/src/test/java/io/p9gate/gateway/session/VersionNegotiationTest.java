package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import org.junit.jupiter.api.Test;

/** R-PROTO-2, R-PROTO-7: msize negotiation up to 1 MiB and beyond, version strings and dialects. */
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

    /**
     * A 9P2000 or 9P2000.u client cannot read Rlerror (a .L message): the refusal is the Rerror of the dialect it
     * asked for, whatever the connection spoke before, and the wire writes it as it is.
     */
    @Test
    void aRefusalIsWrittenInTheDialectAskedFor() {
        assertEquals(new RMessage.RerrorU("Invalid argument", Errno.EINVAL), answer(4095, "9P2000.u"));
        assertEquals(new RMessage.Rerror("Invalid argument"), answer(512, "9P2000"));
        VersionNegotiation u = VersionNegotiation.of(new TMessage.Tversion(8192, "9P2000.u"), MAX);
        assertEquals(new RMessage.RerrorU("Input/output error", Errno.EIO), u.reply(false));
        VersionNegotiation plain = VersionNegotiation.of(new TMessage.Tversion(8192, "9P2000"), MAX);
        assertEquals(new RMessage.Rerror("Input/output error"), plain.reply(false));
    }

    @Test
    void eachDialectIsAnsweredWithItsOwnVersion() {
        assertEquals(new RMessage.Rversion(8192, "9P2000.L"), answer(8192, "9P2000.L"));
        assertEquals(new RMessage.Rversion(8192, "9P2000.u"), answer(8192, "9P2000.u"));
        assertEquals(new RMessage.Rversion(8192, "9P2000"), answer(8192, "9P2000"));
    }

    @Test
    void suffixesAreReducedAsVersion5Says() {
        assertEquals(new RMessage.Rversion(8192, "9P2000.L"), answer(8192, "9P2000.L.extension"));
        assertEquals(new RMessage.Rversion(8192, "9P2000.u"), answer(8192, "9P2000.u.extension"));
        assertEquals(new RMessage.Rversion(8192, "9P2000"), answer(8192, "9P2000.x"));
        assertEquals(new RMessage.Rversion(8192, "9P2000"), answer(8192, "9P2000.U"));
    }

    @Test
    void otherVersionsAreUnknown() {
        for (String version : new String[] {"", "9P", "9P1999", "9P2000u", "9P2001", "9p2000.L", "unknown"}) {
            assertEquals(new RMessage.Rversion(8192, "unknown"), answer(8192, version), version);
        }
    }

    @Test
    void aRefusedDialectIsUnknownNotAnError() {
        VersionNegotiation n = VersionNegotiation.of(new TMessage.Tversion(8192, "9P2000.u"), MAX);
        assertEquals(new RMessage.Rversion(8192, "unknown"), n.refused());
    }

    @Test
    void aSessionThatCannotOpenIsEio() {
        VersionNegotiation n = VersionNegotiation.of(new TMessage.Tversion(8192, "9P2000.L"), MAX);
        assertEquals(new RMessage.Rlerror(Errno.EIO), n.reply(false));
    }
}
