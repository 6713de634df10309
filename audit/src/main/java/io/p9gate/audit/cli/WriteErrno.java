package io.p9gate.audit.cli;

import java.io.IOException;

/**
 * A failed {@code write(2)} with the kernel's errno. The JDK's IOException carries only {@code strerror}'s text,
 * which the JVM's locale translates ({@code LANG=de_DE.UTF-8}: "Datenübergabe unterbrochen (broken pipe)"), so
 * what failed is decided by the number.
 */
final class WriteErrno extends IOException {
    private static final long serialVersionUID = 1L;

    /** Linux x86_64 and aarch64: the reader of a pipe or socket has gone. */
    static final int EPIPE = 32;

    private final int errno;

    WriteErrno(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    int errno() {
        return errno;
    }
}
