package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Txattrwalk fid holds an attribute's value, not a file: the Linux client only reads it and clunks it. A raw client
 * that names one where a request takes a file or a directory (Tmkdir's dfid, Twalk's fid, Tsetattr, ...) is refused
 * EBADF, as Treaddir and Tfsync on it are, and nothing changes on the host (round 12 saw a Tmkdir through the xattr fid
 * of a directory make the directory). Fids: 0 the share's root, 1 an xattr fid of the root, 2 the file "f", 3 an xattr
 * fid of "f".
 */
class XattrFidAsFileAttackTest {
    private static final int ROOT_XATTR = 1;
    private static final int FILE = 2;
    private static final int FILE_XATTR = 3;
    private static final int NEW = 10;
    private static final int S_IFIFO = 0010000;

    @TempDir
    Path tmp;

    record Case(String name, TMessage request, Errno expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> requests() {
        return Stream.of(
                new Case("walk", new TMessage.Twalk(ROOT_XATTR, NEW, List.of("d")), Errno.EBADF),
                new Case("walk clone", new TMessage.Twalk(ROOT_XATTR, NEW, List.of()), Errno.EBADF),
                new Case("xattrwalk", new TMessage.Txattrwalk(ROOT_XATTR, NEW, ""), Errno.EBADF),
                new Case("getattr", new TMessage.Tgetattr(ROOT_XATTR, Attr.GETATTR_ALL), Errno.EBADF),
                new Case(
                        "setattr",
                        new TMessage.Tsetattr(ROOT_XATTR, new SetAttr(SetAttr.SETATTR_MODE, 0700, 0, 0, 0, 0, 0, 0, 0)),
                        Errno.EBADF),
                new Case("statfs", new TMessage.Tstatfs(ROOT_XATTR), Errno.EBADF),
                new Case("readlink", new TMessage.Treadlink(FILE_XATTR), Errno.EBADF),
                new Case("fsync", new TMessage.Tfsync(FILE_XATTR, 0), Errno.EBADF),
                new Case("lock", new TMessage.Tlock(FILE_XATTR, 1, 0, 0, 0, 1, "raw"), Errno.EBADF),
                new Case("getlock", new TMessage.Tgetlock(FILE_XATTR, 0, 0, 0, 1, "raw"), Errno.EBADF),
                new Case("readdir", new TMessage.Treaddir(ROOT_XATTR, 0, 4096), Errno.EBADF),
                new Case("mkdir", new TMessage.Tmkdir(ROOT_XATTR, "new", 0755, 0), Errno.EBADF),
                new Case("symlink", new TMessage.Tsymlink(ROOT_XATTR, "new", "f", 0), Errno.EBADF),
                new Case("mknod", new TMessage.Tmknod(ROOT_XATTR, "new", S_IFIFO | 0644, 0, 0, 0), Errno.EBADF),
                new Case("link dfid", new TMessage.Tlink(ROOT_XATTR, FILE, "new"), Errno.EBADF),
                new Case("link fid", new TMessage.Tlink(0, FILE_XATTR, "new"), Errno.EBADF),
                new Case("rename fid", new TMessage.Trename(FILE_XATTR, 0, "new"), Errno.EBADF),
                new Case("rename dfid", new TMessage.Trename(FILE, ROOT_XATTR, "new"), Errno.EBADF),
                new Case("renameat old", new TMessage.Trenameat(ROOT_XATTR, "f", 0, "new"), Errno.EBADF),
                new Case("renameat new", new TMessage.Trenameat(0, "f", ROOT_XATTR, "new"), Errno.EBADF),
                new Case("unlinkat", new TMessage.Tunlinkat(ROOT_XATTR, "f", 0), Errno.EBADF),
                // An open or a create through it is a fid opened twice: EINVAL, recorded (rule fid-open), unchanged.
                new Case("lopen", new TMessage.Tlopen(ROOT_XATTR, 0), Errno.EINVAL),
                new Case("lcreate", new TMessage.Tlcreate(ROOT_XATTR, "new", 2, 0644, 0), Errno.EINVAL),
                new Case("xattrcreate", new TMessage.Txattrcreate(ROOT_XATTR, "user.x", 1, 0), Errno.EINVAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void anXattrFidIsNoFile(Case c) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            Path data = gw.share("data");
            Files.createDirectory(data.resolve("d"));
            Files.writeString(data.resolve("f"), "file");
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(data));
            guest.rpc(new TMessage.Txattrwalk(0, ROOT_XATTR, ""));
            guest.walk(0, FILE, "f");
            guest.rpc(new TMessage.Txattrwalk(FILE, FILE_XATTR, ""));

            P9Exception refused = assertThrows(P9Exception.class, () -> guest.rpc(c.request()), c.name());
            assertEquals(c.expected(), refused.errno(), refused.toString());
            assertEquals(Set.of("d", "f"), names(data), "nothing made, moved or removed");
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
            // The xattr fid is still one: its value reads as before.
            guest.read(ROOT_XATTR, 0, 100);
        }
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
