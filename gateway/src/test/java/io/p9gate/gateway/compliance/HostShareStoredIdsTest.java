package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.policy.terms.SharePath;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite reads a stored host id as the gateway writes it now (unsigned: "3000000000") and as it wrote ids from 2^31
 * up before ("-2" for 4294967294); read signed only, the suite took a gateway's high ids for no stored owner.
 */
class HostShareStoredIdsTest {
    @TempDir
    Path tmp;

    @Test
    void storedIdsReadInBothForms() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        xattrs.write(HostShare.UID_XATTR, ByteBuffer.wrap("3000000000".getBytes(StandardCharsets.US_ASCII)));
        xattrs.write(HostShare.GID_XATTR, ByteBuffer.wrap("-2".getBytes(StandardCharsets.US_ASCII)));
        HostShare.Owner owner =
                HostShare.open(tmp).orElseThrow().owner(SharePath.of("/f")).orElseThrow();
        assertEquals(3_000_000_000L, owner.storedUid());
        assertEquals(4_294_967_294L, owner.storedGid());
    }
}
