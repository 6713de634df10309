package io.p9gate.policy.model;

import java.nio.file.Path;

/**
 * How the transport recognises a VM (R-DEP-1): the identity comes from where the connection arrived,
 * never from anything the guest says. Today a per-VM Unix socket; vsock CIDs are parsed and kept for
 * the vsock listener; a TLS client-certificate variant is to be added as another permitted subtype.
 */
public sealed interface ListenerSpec {

    String describe();

    /** A Unix socket only this VM's hypervisor process can reach: {@code unix:/run/p9gate/vm.sock}. */
    record UnixSocket(Path path) implements ListenerSpec {
        public String describe() { return "unix:" + path; }
    }

    /** A vsock context id: {@code vsock:42} (the gateway listens on the host side). */
    record Vsock(long cid) implements ListenerSpec {
        public String describe() { return "vsock:" + cid; }
    }

    /** @throws IllegalArgumentException with a one-line reason */
    static ListenerSpec parse(String text) {
        if (text.startsWith("unix:")) {
            String p = text.substring(5);
            if (!p.startsWith("/")) throw new IllegalArgumentException("unix socket path must be absolute: " + text);
            return new UnixSocket(Path.of(p));
        }
        if (text.startsWith("vsock:")) {
            try {
                long cid = Long.parseLong(text.substring(6));
                // CIDs 0-2 are the hypervisor, reserved and the host itself; 0xFFFFFFFF is VMADDR_CID_ANY.
                if (cid < 3 || cid >= 0xFFFFFFFFL) throw new IllegalArgumentException("vsock CID out of range: " + cid);
                return new Vsock(cid);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("vsock CID is not a number: " + text);
            }
        }
        throw new IllegalArgumentException("listen must be unix:PATH or vsock:CID, got: " + text);
    }
}
