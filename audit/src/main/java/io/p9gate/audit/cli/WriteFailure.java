package io.p9gate.audit.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that remembers the first write failure: {@link java.io.PrintWriter} only keeps a flag
 * ({@code checkError()}), and the command's exit depends on why the write failed (EPIPE or ENOSPC).
 */
final class WriteFailure extends FilterOutputStream {
    private IOException failure;

    WriteFailure(OutputStream out) {
        super(out);
    }

    IOException failure() {
        return failure;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    private IOException remembered(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }
}
