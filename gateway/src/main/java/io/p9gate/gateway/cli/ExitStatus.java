package io.p9gate.gateway.cli;

/** A failure with an exit status of its own, other than {@link Main#EXIT_FAILURE} (docs/cli.md lists each). */
interface ExitStatus {
    int exitStatus();
}
