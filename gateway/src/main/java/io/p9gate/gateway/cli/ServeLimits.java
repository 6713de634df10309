package io.p9gate.gateway.cli;

/** {@code serve}'s --msize, --workers, --max-outstanding and --iounit, as every way of serving passes them on. */
record ServeLimits(int msize, int workers, int maxOutstanding, int iounit) {}
