package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.ConnectionClosedException;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SocketFile;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the policy says of a VM's listener beyond "the VM connects here" (R-DEP-1, R-ROB-2): the Unix socket's
 * owner, group and mode (who may connect at all), and the VM's {@code limits.connections}, reached by opening
 * connections until the gateway closes one at accept, then closing them all.
 */
final class ListenerChecks {
    private final CheckLog log;
    private final VmPolicy vm;
    private final VmTransport transport;
    private final ProbeLog probes;

    ListenerChecks(CheckLog log, VmPolicy vm, VmTransport transport, ProbeLog probes) {
        this.log = log;
        this.vm = vm;
        this.transport = transport;
        this.probes = probes;
    }

    private CheckResult result(
            String slug, String requirement, String title, Status status, String expected, String seen, String note) {
        return new CheckResult(
                vm.id() + "/listener/" + slug,
                vm.id(),
                null,
                requirement,
                title,
                status,
                slug.equals("socket") ? "stat of the socket file" : "connect, Tversion, repeated",
                expected,
                seen,
                note,
                List.of());
    }

    /** The socket file's owner, group and mode are the policy's {@code socket:} (0660 when it names none). */
    void socketFile() {
        if (!(vm.listen() instanceof ListenerSpec.UnixSocket unix)) {
            return;
        }
        SocketFile want = unix.socket();
        Path path = unix.path();
        String title = "the socket " + path + " has " + want.describe();
        String expected = want.describe();
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
            int uid = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            String owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
            String group = String.valueOf(Files.getAttribute(path, "posix:group", LinkOption.NOFOLLOW_LINKS));
            String seen = "owner " + owner + " (" + Integer.toUnsignedString(uid) + "), group " + group + " ("
                    + Integer.toUnsignedString(gid) + "), mode 0"
                    + Integer.toOctalString(mode);
            List<String> wrong = new ArrayList<>();
            if (mode != want.mode()) {
                wrong.add("mode 0" + Integer.toOctalString(mode) + ", not 0" + Integer.toOctalString(want.mode()));
            }
            if (want.owner() != null && !names(want.owner(), owner, uid)) {
                wrong.add("owner " + owner + ", not " + want.owner());
            }
            if (want.group() != null && !names(want.group(), group, gid)) {
                wrong.add("group " + group + ", not " + want.group());
            }
            log.add(result(
                    "socket",
                    "R-DEP-1",
                    title,
                    wrong.isEmpty() ? Status.PASSED : Status.FAILED,
                    expected,
                    seen,
                    String.join("; ", wrong)));
        } catch (IOException | UnsupportedOperationException e) {
            log.add(result("socket", "R-DEP-1", title, Status.SKIPPED, expected, "", "cannot stat " + path + ": " + e));
        }
    }

    private CheckResult connections(String title, Status status, String seen, String note) {
        long limit = vm.limits().get(Limit.CONNECTIONS).orElseThrow();
        return result(
                "connections",
                "R-ROB-2",
                title,
                status,
                "a connection refused after at most " + limit + " open at once",
                seen,
                note);
    }

    /** Whether a policy's owner or group (a name or a numeric id) is the file's. */
    private static boolean names(String policy, String name, int id) {
        return policy.equals(name) || policy.equals(Integer.toUnsignedString(id)); // ids past 2^31 are negative ints
    }

    /**
     * {@code limits.connections}: with the suite's own session open ({@code held}), new connections are accepted
     * until the budget is reached and the next one is closed at accept. The live VM's own connections count too,
     * so the refusal may come earlier; the check shows the budget is never exceeded. Only the close is the refusal:
     * an error reply or no answer at all is not what the limit does, and fails. All are closed at once.
     */
    void connectionBudget(int held) {
        OptionalLong given = vm.limits().get(Limit.CONNECTIONS);
        if (given.isEmpty()) {
            return;
        }
        long limit = given.getAsLong();
        String title = "limits.connections: " + limit + " connections at once; the next is closed at accept";
        List<P9Client> opened = new ArrayList<>();
        try {
            while (held + opened.size() <= limit) {
                P9Client client;
                try {
                    client = transport.connect(8192);
                } catch (IOException e) {
                    // Not the gateway's refusal (it accepts, then closes): this host's own limit (EMFILE), or no
                    // gateway listening. Nothing about the limit is shown.
                    log.add(connections(
                            title,
                            Status.SKIPPED,
                            "connection " + (held + opened.size() + 1) + " could not be opened: " + e.getMessage(),
                            "not probed: the connection failed here, before the gateway could accept or close it"));
                    return;
                }
                client.timeout(Duration.ofSeconds(10));
                opened.add(client);
                String nth = "connection " + (held + opened.size());
                try {
                    client.version(8192, P9Client.VERSION);
                } catch (ConnectionClosedException e) {
                    // A close for the limit is recorded (budget.connections), checked with the others of the VM
                    // (AcceptRefusal): before, this one was not, and a gateway recording no such close passed.
                    probes.closedAtAccept(vm.id());
                    log.add(connections(title, Status.PASSED, nth + " closed", ""));
                    return;
                } catch (IOException | P9Exception e) {
                    // The budget's refusal is the close at accept: an error reply, or none, is not what it does.
                    log.add(connections(
                            title,
                            Status.FAILED,
                            nth
                                    + (e instanceof P9Exception p
                                            ? " answered Rlerror " + p.errno()
                                            : ": " + e.getMessage()),
                            "the connection over the limit was neither served nor closed at accept"));
                    return;
                }
            }
            log.add(connections(
                    title,
                    Status.FAILED,
                    (held + opened.size()) + " connections served at once",
                    "the gateway served more connections of the VM at once than its limit"));
        } finally {
            opened.forEach(P9Client::close);
        }
    }
}
