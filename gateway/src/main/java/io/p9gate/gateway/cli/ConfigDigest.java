package io.p9gate.gateway.cli;

import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The digest of what a gateway serves and how, recorded in the audit trail's {@code start} record (R-AUD-1):
 * a reviewer can tell whether two runs served the same configuration. Computed over a canonical text
 * (listeners in order, shares sorted by name with absolute directories, limits).
 */
final class ConfigDigest {
    private ConfigDigest() {}

    static String of(GatewayConfig config, Map<String, Path> shares) {
        return "sha256:" + HexFormat.of().formatHex(sha256(canonical(config, shares)));
    }

    static String canonical(GatewayConfig config, Map<String, Path> shares) {
        StringBuilder text = new StringBuilder();
        for (ListenSpec listener : config.listeners()) {
            text.append("listen ").append(listener.describe()).append('\n');
        }
        new TreeMap<>(shares)
                .forEach((name, dir) -> text.append("share ")
                        .append(name)
                        .append('=')
                        .append(dir.toAbsolutePath().normalize())
                        .append('\n'));
        text.append("msize ")
                .append(config.maxMsize())
                .append('\n')
                .append("workers ")
                .append(config.workers())
                .append('\n')
                .append("max-outstanding ")
                .append(config.maxOutstanding())
                .append('\n');
        return text.toString();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
