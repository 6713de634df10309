package io.p9gate.bench.load;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The load client's command line (the client contract of bench/clients/guest-kernel.sh plus
 * {@code --concurrency} and {@code --msize}).
 *
 * @param concurrency requests outstanding at once in every workload
 * @param msize       offered in Tversion; the workloads use what the server grants
 */
public record LoadOptions(SocketAddress server, String aname, List<Workload> workloads, int sizeMiB,
                          int files, int concurrency, int msize) {
    public static final String USAGE = "usage: java-load --server HOST:PORT|unix:PATH --aname NAME"
            + " [--workloads seq-write,seq-read,meta,getattr] [--size-mb M] [--files F]"
            + " [--concurrency N] [--msize BYTES]";

    public LoadOptions {
        workloads = List.copyOf(workloads);
    }

    /** @throws IllegalArgumentException with a one-line explanation */
    public static LoadOptions parse(String... args) {
        String server = null;
        String aname = null;
        List<Workload> workloads = List.of(Workload.SEQ_WRITE, Workload.SEQ_READ, Workload.META);
        int sizeMiB = 128;
        int files = 500;
        int concurrency = 16;
        int msize = 512 * 1024;
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[i + 1];
            switch (name) {
                case "--server" -> server = value;
                case "--aname" -> aname = value;
                case "--workloads" -> workloads = parseWorkloads(value);
                case "--size-mb" -> sizeMiB = positive(name, value);
                case "--files" -> files = positive(name, value);
                case "--concurrency" -> concurrency = positive(name, value);
                case "--msize" -> msize = positive(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (server == null || aname == null) {
            throw new IllegalArgumentException("--server and --aname are required");
        }
        return new LoadOptions(server(server), aname, workloads, sizeMiB, files, concurrency, msize);
    }

    private static List<Workload> parseWorkloads(String value) {
        List<Workload> list = new ArrayList<>();
        for (String name : value.split(",")) {
            list.add(Workload.parse(name.trim()));
        }
        return list;
    }

    static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " wants a positive integer, not '" + value + "'");
    }

    /** {@code HOST:PORT} (IPv6 in brackets) or {@code unix:PATH}. */
    static SocketAddress server(String text) {
        if (text.startsWith("unix:") && text.length() > 5) {
            return UnixDomainSocketAddress.of(text.substring(5));
        }
        return address(text);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--server wants HOST:PORT, not '" + hostPort + "'");
        }
        int port = positive("--server port", hostPort.substring(colon + 1));
        if (port > 65535) {
            throw new IllegalArgumentException("--server port out of range: " + port);
        }
        String host = hostPort.substring(0, colon).replaceAll("^\\[|]$", "");
        return InetSocketAddress.createUnresolved(host, port);
    }

    public long sizeBytes() {
        return (long) sizeMiB * 1024 * 1024;
    }
}
