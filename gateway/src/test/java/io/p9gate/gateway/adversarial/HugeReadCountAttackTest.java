package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-PROTO-2): a Tread or Treaddir count is a u32; one of 2^31 or more is a negative Java int. Read as
 * such (max(count, 0)) a file read would return no bytes, which the guest takes for end of file. diod and QEMU clamp
 * the count to what fits msize: so must the gateway, in every dialect, for a file, a 9P2000/.u directory read and a
 * Treaddir.
 */
class HugeReadCountAttackTest {
    private static final int MSIZE = 8192;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"L, 0x80000000", "L, 0xFFFFFFFF", "U, 0x80000000", "U, 0xFFFFFFFF"})
    void aCountOf2To31OrMoreReadsWhatFitsMsize(Dialect dialect, String asked) throws Exception {
        int count = Integer.parseUnsignedInt(asked.substring(2), 16);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.write(share.resolve("big"), new byte[3 * MSIZE]);
            Files.createDirectories(share.resolve("dir"));
            Files.writeString(share.resolve("dir/entry"), "x");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), MSIZE)) {
                assertEquals(MSIZE, guest.version(MSIZE, dialect.version()).msize());
                LegacyDialectBudgetAttackTest.attach(guest, dialect);
                guest.walk(0, 1, "big");
                guest.walk(0, 2, "dir");
                int iounit = open(guest, dialect, 1);
                assertTrue(iounit > 0 && iounit <= MSIZE - 11, "an iounit that fits msize: " + iounit);
                assertEquals(iounit, guest.read(1, 0, count).length, "a file read of count " + asked);
                open(guest, dialect, 2);
                if (dialect == Dialect.L) {
                    assertEquals(
                            List.of(".", "..", "entry"),
                            guest.readdir(2, 0, count).stream()
                                    .map(DirEntry::name)
                                    .sorted()
                                    .toList(),
                            "a Treaddir of count " + asked);
                } else {
                    assertFalse(guest.read(2, 0, count).length == 0, "a directory read of count " + asked);
                }
            }
        }
    }

    /** Opens {@code fid} for reading; returns the iounit the gateway answers. */
    private static int open(P9Client guest, Dialect dialect, int fid) throws Exception {
        return dialect == Dialect.L
                ? guest.lopen(fid, 0).iounit()
                : assertInstanceOf(RMessage.Ropen.class, guest.rpc(new TMessage.Topen(fid, 0)))
                        .iounit();
    }
}
