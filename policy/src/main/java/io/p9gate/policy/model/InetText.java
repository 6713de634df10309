package io.p9gate.policy.model;

/** {@code HOST:PORT} as listeners write it: IPv6 hosts in brackets, ports 0-65535. */
final class InetText {
    private InetText() {}

    record HostPort(String host, int port) {}

    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** @throws IllegalArgumentException naming {@code whole} */
    static HostPort parse(String whole, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("'" + whole + "' needs HOST:PORT");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + whole + "': put IPv6 hosts in brackets, e.g. [::1]:564");
        }
        if (host.isEmpty()) throw new IllegalArgumentException("'" + whole + "' has an empty host");
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + whole + "': port is not a number");
        }
        if (port < 1 || port > 0xffff) throw new IllegalArgumentException("'" + whole + "': port out of range 1-65535");
        return new HostPort(host, port);
    }
}
