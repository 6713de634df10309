package io.p9gate.gateway.proto;

/** One message on the wire with its tag (u16; {@link #NOTAG} for Tversion). */
public record Frame(int tag, Message body) {
    public static final int NOTAG = 0xffff;
    /** 4-byte size, 1-byte type, 2-byte tag. */
    public static final int HEADER_SIZE = 7;

    public Frame {
        if ((tag & ~0xffff) != 0) {
            throw new IllegalArgumentException("tag is 16 bits: " + tag);
        }
    }
}
