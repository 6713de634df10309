package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a share with {@code permissions: enforce}, a 9P2000.u directory read (Topen of a directory, then Tread) is decided
 * and answered as the 9P2000.L Topen and Treaddir of the same guest user: the directory's host permissions for that
 * user decide whether it can be read, and a hidden name is never listed.
 */
class LegacyDirectoryReadEnforceTest {
    private static final int USER = 1000;
    private static final int O_DIRECTORY = 0200000;

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "host directories of another owner need a root test run");
    }

    @Test
    void aDotUDirectoryReadIsTheDotLListing() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(
                        tmp, "permissions: enforce\nhidden: [/listable/secret, /readable/secret]", "data");
                P9Client dotL = gw.attached("data", USER);
                P9Client dotU = attached(gw)) {
            Path data = gw.share("data");
            // Another user's directories: readable and searchable, readable only, searchable only.
            directory(data, "listable", "rwxr-xr-x");
            directory(data, "readable", "rwxr--r--");
            directory(data, "searchable", "rwx--x--x");
            int fid = 1;
            for (String dir : List.of("listable", "readable", "searchable")) {
                String dotLSees = dotLListing(dotL, fid, dir);
                String dotUSees = dotUListing(dotU, fid, dir);
                assertEquals(dotLSees, dotUSees, dir + ": 9P2000.L saw " + dotLSees + ", 9P2000.u " + dotUSees);
                fid++;
            }
        }
    }

    /** {@code data/NAME} of the guest's uid 0, mode {@code perms}, holding "a" and "secret". */
    private static void directory(Path data, String name, String perms) throws Exception {
        Path dir = Files.createDirectory(data.resolve(name));
        Files.writeString(dir.resolve("a"), "a");
        Files.writeString(dir.resolve("secret"), "hidden");
        for (Path p : List.of(dir, dir.resolve("a"), dir.resolve("secret"))) {
            Files.setAttribute(p, "unix:uid", HostShareGateway.HOST_ID_BASE);
            Files.setAttribute(p, "unix:gid", HostShareGateway.HOST_ID_BASE);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
    }

    private static P9Client attached(HostShareGateway gw) throws Exception {
        P9Client client = gw.client();
        try {
            client.version(65536, Dialect.U.version());
            client.attach(0, "user", "data", USER);
            return client;
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    /** The names a Tlopen and Treaddirs of {@code dir} list, sorted, without "." and "..", or the errno. */
    private static String dotLListing(P9Client client, int fid, String dir) throws Exception {
        try {
            client.walk(0, fid, dir);
            client.lopen(fid, O_DIRECTORY);
            List<String> names = new ArrayList<>();
            long offset = 0;
            while (true) {
                List<DirEntry> read = client.readdir(fid, offset, 8192);
                if (read.isEmpty()) {
                    break;
                }
                for (DirEntry e : read) {
                    if (!e.name().equals(".") && !e.name().equals("..")) {
                        names.add(e.name());
                    }
                    offset = e.offset();
                }
            }
            return names.stream().sorted().toList().toString();
        } catch (P9Exception e) {
            return e.errno().name();
        } finally {
            client.clunk(fid);
        }
    }

    /** The names a Topen and Treads of {@code dir} list (packed stat entries), sorted, as above, or the errno. */
    private static String dotUListing(P9Client client, int fid, String dir) throws Exception {
        try {
            client.walk(0, fid, dir);
            client.rpc(new TMessage.Topen(fid, 0));
            List<String> names = new ArrayList<>();
            long offset = 0;
            while (true) {
                byte[] read = client.read(fid, offset, 8192);
                if (read.length == 0) {
                    break;
                }
                offset += read.length;
                for (String listed : StatEntryNames.of(read)) {
                    if (!listed.equals(".") && !listed.equals("..")) {
                        names.add(listed);
                    }
                }
            }
            return names.stream().sorted().toList().toString();
        } catch (P9Exception e) {
            return e.errno().name();
        } finally {
            client.clunk(fid);
        }
    }
}
