package io.p9gate.gateway.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.note.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate certs} forces every key, certificate and CRL it writes to disk, then the directories naming them:
 * a crash soon after could leave an empty CA key, or an empty CRL (every TLS handshake then refused) or the one
 * before the revocation (the revoked VM let in again). A crash cannot be tested here: the calls are recorded with
 * what was on disk at each.
 */
class TestPkiDiskSyncTest {
    @TempDir
    Path tmp;

    @Test
    void theNewCrlIsForcedBeforeItsRenameAndTheDirectoryAfter() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki.create(dir, "test CA", List.of(), Duration.ofDays(1)).issueClient("vm1", Duration.ofDays(1));
        Path crl = dir.resolve(TestPki.CA_CRL);
        byte[] before = Files.readAllBytes(crl);
        List<String> calls = new ArrayList<>();

        TestPki.at(dir, new DiskSync() {
                    @Override
                    public void file(FileChannel file) throws IOException {
                        calls.add("file of " + file.size() + " bytes; " + crlNow(crl, before));
                    }

                    @Override
                    public void directory(Path d) throws IOException {
                        calls.add("directory " + d + "; " + crlNow(crl, before));
                    }
                })
                .revoke("vm1");

        long after = Files.size(crl);
        assertEquals(
                List.of(
                        "file of " + after + " bytes; the earlier CRL",
                        "directory " + dir + "; a new CRL of " + after + " bytes"),
                calls);
    }

    @Test
    void everyFileIsForcedWhenWrittenThenEachDirectoryOnce() throws Exception {
        Path dir = tmp.resolve("pki");
        List<String> calls = new ArrayList<>();
        DiskSync recording = new DiskSync() {
            @Override
            public void file(FileChannel file) throws IOException {
                calls.add("file");
            }

            @Override
            public void directory(Path d) {
                calls.add("directory " + d);
            }
        };

        TestPki.create(dir, "test CA", List.of(), Duration.ofDays(1), recording);
        // ca-cert, ca-key, server-cert, server-key, the CRL; then the new directory's parent and the directory.
        assertEquals(List.of("file", "file", "file", "file", "file", "directory " + tmp, "directory " + dir), calls);

        calls.clear();
        TestPki.at(dir, recording).issueClient("vm1", Duration.ofDays(1));
        // client-cert, client-key, the CA certificate's copy; then DIR (VM's new entry) and DIR/vm1.
        assertEquals(List.of("file", "file", "file", "directory " + dir, "directory " + dir.resolve("vm1")), calls);
    }

    private static String crlNow(Path crl, byte[] before) throws IOException {
        byte[] now = Files.readAllBytes(crl);
        return Arrays.equals(now, before) ? "the earlier CRL" : "a new CRL of " + now.length + " bytes";
    }
}
