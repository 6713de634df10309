package io.p9gate.policy.model;

/**
 * The credentials (SO_PEERCRED) a VM's hypervisor process must connect with: a user and/or a group, as names
 * or numeric ids (resolved where the gateway runs); null accepts any. A connection with others is refused and
 * audited.
 */
public record PeerCredentials(String uid, String gid) {
    public static final PeerCredentials ANY = new PeerCredentials(null, null);

    public boolean any() {
        return uid == null && gid == null;
    }

    public String describe() {
        if (any()) return "any peer";
        return (uid == null ? "" : "uid " + uid)
                + (uid != null && gid != null ? ", " : "")
                + (gid == null ? "" : "gid " + gid);
    }
}
