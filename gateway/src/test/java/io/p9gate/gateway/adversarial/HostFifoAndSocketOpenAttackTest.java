package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of round 15 (R-CONF-2, R-ROB-2): a fifo opened for reading or writing blocks its opener until the other end
 * appears, so a worker thread of the gateway stuck in open(2) would be one VM (or the host) stalling every VM that
 * worker serves. Fifos made by the host and by the guest (Tmknod, and 9P2000.u Tcreate with DMNAMEDPIPE), and a host
 * unix socket, are refused at once (ENXIO) by every open a raw client can send: Tlopen read, write, read-write,
 * O_NONBLOCK, O_TRUNC; Tlcreate of the existing name; 9P2000.u Topen. Tgetattr still describes them, and Treaddir of
 * one answers at once (EBADF: not open). In a share that does not map devices a guest's fifo is a real one on the host.
 */
class HostFifoAndSocketOpenAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_TRUNC = 01000;
    private static final int O_NONBLOCK = 04000;

    @TempDir
    Path tmp;

    @Test
    void noOpenOfAFifoOrSocketBlocksOrSucceeds() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Path share = gw.share("data");
            Process mkfifo =
                    new ProcessBuilder("mkfifo", share.resolve("hostfifo").toString()).start();
            assumeTrue(mkfifo.waitFor() == 0, "needs mkfifo");
            socket.bind(UnixDomainSocketAddress.of(share.resolve("hostsock")));
            Map<String, String> answers = new LinkedHashMap<>();
            try (P9Client guest = gw.attached("data", 0)) {
                guest.timeout(Duration.ofSeconds(10));
                guest.rpc(new TMessage.Tmknod(0, "guestfifo", 0010644, 0, 0, 0));
                int fid = 1;
                for (String name : new String[] {"hostfifo", "guestfifo", "hostsock"}) {
                    for (int flags :
                            new int[] {0, O_WRONLY, O_RDWR, O_NONBLOCK, O_WRONLY | O_NONBLOCK, O_RDWR | O_TRUNC}) {
                        guest.walk(0, fid, name);
                        answers.put(
                                name + " lopen 0" + Integer.toOctalString(flags),
                                ask(guest, new TMessage.Tlopen(fid, flags)));
                        guest.clunk(fid++);
                    }
                    guest.walk(0, fid, name);
                    answers.put(name + " readdir", ask(guest, new TMessage.Treaddir(fid, 0, 4096)));
                    assertEquals(
                            name.endsWith("sock") ? 0140000 : 0010000,
                            guest.getattr(fid, Attr.GETATTR_BASIC).mode() & 0170000,
                            name + " is described as what it is");
                    guest.clunk(fid++);
                    guest.walk(0, fid);
                    answers.put(name + " lcreate", ask(guest, new TMessage.Tlcreate(fid, name, O_RDWR, 0644, 0)));
                    guest.clunk(fid++);
                }
            }
            try (P9Client legacy = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                legacy.timeout(Duration.ofSeconds(10));
                legacy.version(65536, "9P2000.u");
                legacy.attach(0, "root", "data", 0);
                legacy.walk(0, 1);
                legacy.rpc(new TMessage.Tcreate(1, "ufifo", Stat.DMNAMEDPIPE | 0644, 0, Optional.of("")));
                answers.put("ufifo topen", ask(legacy, new TMessage.Topen(1, 0)));
                for (String name : new String[] {"hostfifo", "guestfifo", "hostsock"}) {
                    legacy.walk(0, 2, name);
                    answers.put(name + " topen read", ask(legacy, new TMessage.Topen(2, 0)));
                    answers.put(name + " topen write", ask(legacy, new TMessage.Topen(2, 1)));
                    legacy.clunk(2);
                }
            }
            answers.forEach((asked, answer) -> {
                if (!asked.endsWith("readdir")) {
                    assertEquals("ENXIO", answer, asked + ": " + answers);
                }
            });
            // What a guest's Tmknod of a fifo is on the host of a share that does not map devices: a real fifo.
            assertEquals(
                    true,
                    Files.readAttributes(
                                    share.resolve("guestfifo"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                            .isOther(),
                    "a real fifo on the host");
        }
    }

    private static String ask(P9Client guest, TMessage request) throws Exception {
        try {
            guest.rpc(request);
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }
}
