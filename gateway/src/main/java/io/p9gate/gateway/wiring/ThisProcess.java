package io.p9gate.gateway.wiring;

import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.fs.HostProcess;
import java.util.Optional;

/** The running gateway as a {@link HostProcess}: asked of the kernel each time (a reload asks again). */
public enum ThisProcess implements HostProcess {
    INSTANCE;

    @Override
    public boolean runsAsRoot() {
        return LinuxSyscalls.geteuid() == 0;
    }

    /** The effective uid, owner of the files it makes. */
    public int uid() {
        return LinuxSyscalls.geteuid();
    }

    @Override
    public Optional<String> whyItCannotActAsGuests() {
        return HostCredentials.whyUnavailable();
    }
}
