package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --ownership xattr} with a VM whose ids map to host ids from 2^31 up (valid ids, up to 4294967294): the stored
 * {@code user.p9gate.host-uid}/{@code -gid} were written as signed ints ("-1294967296" for 3000000000) and read only
 * in that form, so an operator handing a file over by writing the id as the host knows it ("3000000005", as
 * {@code id -u} prints it) had it ignored: the file showed the gateway's own ids (the overflow id in the VM). Ids are
 * written unsigned now and read in both forms (the signed values already stored stay the ids they were).
 */
class XattrHighHostIdsAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final long HOST_BASE = 3_000_000_000L;

    @TempDir
    Path tmp;

    @Test
    void highHostIdsAreStoredAndReadUnsignedAndOldSignedValuesStillRead() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(share.resolve("handed-over"), "x");
        Files.writeString(share.resolve("old"), "x");
        set(share.resolve("handed-over"), "host-uid", Long.toString(HOST_BASE + 5));
        set(share.resolve("handed-over"), "host-gid", Long.toString(HOST_BASE + 6));
        set(share.resolve("old"), "host-uid", Integer.toString((int) (HOST_BASE + 7)));
        set(share.resolve("old"), "host-gid", Integer.toString((int) (HOST_BASE + 8)));
        Path socket = tmp.resolve("alpha.sock");
        Path policy =
                OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, HOST_BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.XATTR);
                P9Client alpha = OwnershipRig.connect(socket)) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "made", O_RDWR, 0644, 0);
            assertEquals(Long.toString(HOST_BASE), get(share.resolve("made"), "host-uid"), "written as the host id");
            assertEquals(Long.toString(HOST_BASE), get(share.resolve("made"), "host-gid"));

            Attr handed = shown(alpha, 2, "handed-over");
            assertEquals(5, handed.uid(), "an operator's unsigned host id is read");
            assertEquals(6, handed.gid());
            Attr old = shown(alpha, 3, "old");
            assertEquals(7, old.uid(), "a signed value written before is the same id");
            assertEquals(8, old.gid());
        }
    }

    private static Attr shown(P9Client client, int fid, String name) throws Exception {
        client.walk(0, fid, name);
        return client.getattr(fid, GETATTR_BASIC);
    }

    private static UserDefinedFileAttributeView xattrs(Path file) {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    }

    private static void set(Path file, String name, String value) throws Exception {
        xattrs(file).write("p9gate." + name, ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String get(Path file, String name) throws Exception {
        UserDefinedFileAttributeView view = xattrs(file);
        ByteBuffer value = ByteBuffer.allocate(view.size("p9gate." + name));
        view.read("p9gate." + name, value);
        return new String(value.array(), StandardCharsets.US_ASCII);
    }
}
