package io.p9gate.gateway.compliance;

import io.netty.handler.ssl.SslContext;
import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.ConnectionClosedException;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.TlsHandshakeException;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.model.ClientCertificate;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * A {@code tls:} VM's {@code client-cert:} pin from outside (R-DEP-1): the gateway refuses a connection that presents
 * no client certificate, a self-signed certificate with the VM's subject, and one with the VM's subject from another
 * CA ({@link ImpostorCertificates}), and serves the VM's own certificate ({@code --tls-cert}). The VM's certificate
 * is sent last: a handshake that names a VM clears the three refusals from the gateway's handshake penalty. They are
 * sent before the suite's main session ({@link #probe}), while the suite holds no connection of the VM: where the VM's
 * limits.connections is reached, its own connection is closed after the handshake like any other (tried again, as
 * {@link AcceptRefusal} does), and the main session opened right after tells the two apart ({@link #report}).
 */
final class ClientCertChecks {
    private static final int MSIZE = 8192;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String REQUEST = "TLS 1.3 handshake, Tversion " + P9Client.VERSION;

    private final CheckLog log;
    private final VmPolicy vm;
    private final VmTransport.MutualTls transport;
    private final ClientCertificate pin;
    private final AcceptRefusal accept;
    /** The results of {@link #probe}, waiting for {@link #report}. */
    private final List<CheckResult> results = new ArrayList<>();
    /** The VM's own certificate's connection, where it was closed as the VM's limits.connections would close it. */
    private Optional<Closed> closedAtTheLimit = Optional.empty();

    /** The VM's own connection closed after the handshake: what was seen, after how many tries, the skip's reason. */
    private record Closed(String title, String expected, String seen, int tries, String why) {}

    ClientCertChecks(CheckLog log, VmPolicy vm, VmTransport.MutualTls transport, AcceptRefusal accept) {
        this.log = log;
        this.vm = vm;
        this.transport = transport;
        this.pin = transport.listener().client();
        this.accept = accept;
    }

    /** What one connection came to. */
    private sealed interface Outcome {
        /** The gateway answered Tversion with 9P2000.L: it took the peer for the VM. */
        record Served(String seen) implements Outcome {}

        /**
         * The handshake failed, or the connection closed before any answer ({@code closed}: then the VM's limit may
         * be what closed it; null for a failed handshake).
         */
        record Refused(String seen, ConnectionClosedException closed) implements Outcome {}

        /** No TCP connection: nothing about the pin is shown. */
        record Unreachable(String seen) implements Outcome {}

        /** An error reply, a timeout: neither the refusal nor a served session. */
        record Other(String seen) implements Outcome {}

        String seen();
    }

    /**
     * Sends the four connections; their results wait for {@link #report}. Called before the suite's main session of
     * the VM: a faithful gateway then has a place for the VM's own certificate unless others hold every place.
     */
    void probe() {
        X509Certificate own;
        List<ImpostorCertificates.Impostor> impostors;
        try {
            own = Pem.certificates(transport.certificate().certificate()).getFirst();
            X500Principal subject =
                    pin.subject() != null ? new X500Principal(pin.subjectAsMatched()) : own.getSubjectX500Principal();
            impostors = ImpostorCertificates.of(own, subject);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            results.add(result(
                    "",
                    "certificates that are not the VM's are refused",
                    Status.SKIPPED,
                    "",
                    "",
                    "not probed: cannot read " + transport.certificate().certificate() + " or make certificates "
                            + "from it: " + e.getMessage()));
            return;
        }
        refused("no-certificate", "a connection without a client certificate", null, List.of());
        for (ImpostorCertificates.Impostor impostor : impostors) {
            refused(impostor.slug(), impostor.describe(), impostor.key(), impostor.chain());
        }
        String title = "the VM's own certificate " + transport.certificate().certificate() + " is served";
        String expected = "Rversion \"" + P9Client.VERSION + "\"";
        Outcome outcome;
        int tried = 1;
        for (; ; tried++) {
            outcome = attempt(
                    () -> ClientTls.of(
                            transport.certificate().certificate(),
                            transport.certificate().key(),
                            transport.certificate().ca()),
                    false);
            if (!(outcome instanceof Outcome.Refused r) || r.closed() == null || !accept.again(r.closed(), tried)) {
                break;
            }
        }
        Optional<String> atTheLimit =
                outcome instanceof Outcome.Refused r && r.closed() != null ? accept.why(r.closed()) : Optional.empty();
        if (atTheLimit.isPresent()) {
            closedAtTheLimit = Optional.of(new Closed(title, expected, outcome.seen(), tried, atTheLimit.get()));
            return;
        }
        results.add(result(
                "/vm-certificate",
                title,
                status(outcome instanceof Outcome.Served, outcome),
                expected,
                outcome.seen(),
                outcome instanceof Outcome.Served || outcome instanceof Outcome.Unreachable
                        ? ""
                        : "the gateway refused the certificate its pin (" + pin.describe() + ") names"));
    }

    /**
     * Adds the results of {@link #probe}. {@code nextServed}: the suite's main session, opened with the same
     * certificate right after, was served. Then the VM's own connection, closed after its handshake while the suite
     * held none, was closed with a place free: not for the limit, failed. Before, the suite probed with its main
     * session open, and a gateway that refused the VM's own certificate after the handshake was skipped at the
     * limit, without --audit-log not even confirmed (ClientCertProbeTest). Closed and the main session not served
     * either: others hold every place, skipped.
     */
    void report(boolean nextServed) {
        results.forEach(log::add);
        closedAtTheLimit.ifPresent(c -> log.add(
                nextServed
                        ? result(
                                "/vm-certificate",
                                c.title(),
                                Status.FAILED,
                                c.expected(),
                                c.seen(),
                                "closed after the handshake " + c.tries() + (c.tries() == 1 ? " time" : " times")
                                        + " while the suite held no connection of " + vm.id() + ", and the suite's next"
                                        + " connection with the same certificate was served: a place was free, so not its"
                                        + " limits.connections; the gateway refused the certificate its pin ("
                                        + pin.describe() + ") names")
                        : result("/vm-certificate", c.title(), Status.SKIPPED, c.expected(), c.seen(), c.why())));
    }

    private void refused(String slug, String what, PrivateKey key, List<X509Certificate> chain) {
        String title = what + " is refused";
        String expected = "the handshake fails or the connection closes before Rversion";
        // Its refusal is the expected answer, reported in the check: not a WARNING line of the client's.
        Outcome outcome = attempt(
                () -> ClientTls.presenting(key, transport.certificate().ca(), chain.toArray(X509Certificate[]::new)),
                true);
        String id = "/" + slug;
        String note = switch (outcome) {
            case Outcome.Refused r -> "";
            case Outcome.Unreachable u -> "not probed";
            case Outcome.Served s -> "the gateway served it as VM '" + vm.id() + "', whose pin is " + pin.describe();
            case Outcome.Other o -> "neither refused at the handshake nor closed";
        };
        results.add(result(
                "/" + slug,
                title,
                status(outcome instanceof Outcome.Refused, outcome),
                expected,
                outcome.seen(),
                note));
    }

    /** Passed when the outcome is the one wanted; a connection that could not be made proves nothing either way. */
    private static Status status(boolean wanted, Outcome outcome) {
        return wanted ? Status.PASSED : outcome instanceof Outcome.Unreachable ? Status.SKIPPED : Status.FAILED;
    }

    private interface Tls {
        SslContext make() throws IOException;
    }

    private Outcome attempt(Tls tls, boolean impostor) {
        P9Client client;
        try {
            client = impostor
                    ? P9Client.connectExpectingRefusal(transport.address(), MSIZE, tls.make())
                    : P9Client.connect(transport.address(), MSIZE, tls.make());
        } catch (TlsHandshakeException e) {
            return new Outcome.Refused(e.getMessage(), null);
        } catch (IOException e) {
            return new Outcome.Unreachable(e.getMessage());
        }
        try (client) {
            client.timeout(WAIT);
            return new Outcome.Served(
                    "Rversion \"" + client.version(MSIZE, P9Client.VERSION).version() + "\"");
        } catch (ConnectionClosedException e) {
            return new Outcome.Refused("the connection closed before Rversion", e);
        } catch (P9Exception e) {
            return new Outcome.Other("Rlerror " + e.errno());
        } catch (IOException e) {
            return new Outcome.Other(e.getMessage());
        }
    }

    private CheckResult result(String slug, String title, Status status, String expected, String seen, String note) {
        return new CheckResult(
                vm.id() + "/listener/client-cert" + slug,
                vm.id(),
                null,
                "R-DEP-1",
                title,
                status,
                REQUEST,
                expected,
                seen,
                note,
                List.of());
    }
}
