package io.p9gate.gateway.cli;

import io.p9gate.gateway.server.ServerTls;
import io.p9gate.policy.protect.StatePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --tls-cert FILE --tls-key FILE} of {@code p9gate serve}: the gateway's own certificate and key for the
 * policy's {@code tls:} listeners (which client certificate is which VM, the policy says). Both or neither.
 */
final class TlsOption {
    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "The gateway's TLS certificate chain (PEM) for the policy's tls: listeners, e.g. from "
                    + "'p9gate certs'.")
    Path certificate;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "The private key (PEM, PKCS#8) of --tls-cert; mode 0600.")
    Path key;

    boolean given() {
        return certificate != null || key != null;
    }

    /**
     * @return null when not given
     * @throws CommandLine.ParameterException one of the two is missing, or a file is unreadable or broken
     */
    ServerTls load(CommandLine commandLine) {
        if (!given()) {
            return null;
        }
        if (certificate == null || key == null) {
            throw new CommandLine.ParameterException(
                    commandLine,
                    certificate == null ? "--tls-key needs --tls-cert FILE" : "--tls-cert needs --tls-key FILE");
        }
        try {
            return ServerTls.load(certificate, key);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(commandLine, e.getMessage());
        }
    }

    /** The key and certificate are gateway state no share may reach (R-POL-9): a guest must not swap or read them. */
    List<StatePath> state() {
        List<StatePath> out = new ArrayList<>();
        if (key != null) {
            out.add(new StatePath("TLS private key", key));
        }
        if (certificate != null) {
            out.add(new StatePath("TLS certificate", certificate));
        }
        return out;
    }
}
