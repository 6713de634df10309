package io.p9gate.gateway.session;

/**
 * What the transport knows about a connection. The listener, never anything the guest says,
 * is what identifies the VM (R-DEP-1).
 *
 * @param listener  the name of the listener the connection arrived on
 * @param peer      a printable description of the peer, for logs
 * @param sessionId unique per negotiated session within this gateway process
 * @param msize     the negotiated maximum message size, header included
 */
public record ConnectionContext(String listener, String peer, long sessionId, int msize) {
    /** Bytes of an Rread/Twrite header: size[4] type[1] tag[2] count[4] (+ fid/offset for Twrite). */
    public static final int IO_HEADER = 4 + 1 + 2 + 4 + 4 + 8;

    /** The largest payload one Tread/Twrite may carry in this session. */
    public int iounit() {
        return msize - IO_HEADER;
    }
}
