package io.p9gate.gateway.server;

import io.p9gate.audit.BoundedWord;
import io.p9gate.gateway.certs.Fingerprint;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

/** What the transport knows about the peer of a new connection before any 9P byte is read (R-DEP-1). */
public sealed interface PeerFacts {

    /** For logs and audit records: only facts the transport established, never what the guest says. */
    String describe();

    /** SO_PEERCRED of a Unix socket peer: the hypervisor process that connected. */
    record Unix(int pid, int uid, int gid) implements PeerFacts {
        public String describe() {
            return "pid=" + pid + " uid=" + Integer.toUnsignedString(uid) + " gid=" + Integer.toUnsignedString(gid);
        }
    }

    /** The verified-by-handshake certificate chain of a TLS client (leaf first) and where it connected from. */
    record Tls(List<X509Certificate> chain, String remote) implements PeerFacts {
        public Tls {
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("a TLS peer without a certificate");
            }
        }

        public X509Certificate certificate() {
            return chain.getFirst();
        }

        /** SHA-256 of the DER certificate, 64 lower-case hex digits: what {@code client-cert: sha256} pins. */
        public String fingerprint() {
            return Fingerprint.sha256(certificate());
        }

        /** The subject is the client's choice: bounded as a record bounds it (TlsRefusalRecordSizeAttackTest). */
        public String describe() {
            return remote + " cert sha256=" + fingerprint() + " subject=\""
                    + BoundedWord.shown(certificate().getSubjectX500Principal().getName()) + "\"";
        }
    }

    /** The vsock address of a guest: its context id, given by the hypervisor. */
    record Vsock(long cid, long port) implements PeerFacts {
        public String describe() {
            return "cid=" + cid + " port=" + port;
        }
    }

    /** A plain TCP peer. */
    record Tcp(InetSocketAddress remote) implements PeerFacts {
        public String describe() {
            String host = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + remote.getPort();
        }
    }
}
