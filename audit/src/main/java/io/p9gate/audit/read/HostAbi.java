package io.p9gate.audit.read;

/**
 * The kernel values p9gate passes that differ between the host architectures it runs on; the one place the gateway
 * and the audit log take them from (table and header sources: docs/platforms.md). Everything else they pass (AT_*,
 * RESOLVE_*, IN_*, errno, the other open flags, statx, statfs, inotify_event) is the same on both.
 *
 * <p>Any other architecture is refused: x86_64 values on aarch64 made O_NOFOLLOW (0400000) mean O_LARGEFILE, so a
 * link was followed out of a share or the audit directory, and O_DIRECTORY (0200000) mean O_DIRECT.
 */
public enum HostAbi {
    /** x86_64 (arch/x86/include/uapi/asm/fcntl.h includes include/uapi/asm-generic/fcntl.h unchanged). */
    X86_64(0200000, 0400000, 116),
    /** aarch64 (arch/arm64/include/uapi/asm/fcntl.h overrides O_DIRECTORY and O_NOFOLLOW). */
    AARCH64(040000, 0100000, 159);

    private final int directory;
    private final int noFollow;
    private final long setgroupsCall;

    HostAbi(int directory, int noFollow, long setgroupsCall) {
        this.directory = directory;
        this.noFollow = noFollow;
        this.setgroupsCall = setgroupsCall;
    }

    /** open(2)'s O_DIRECTORY. */
    public int oDirectory() {
        return directory;
    }

    /** open(2)'s O_NOFOLLOW. */
    public int oNoFollow() {
        return noFollow;
    }

    /** setgroups(2)'s number for syscall(2) (x86_64: its own table; aarch64: asm-generic/unistd.h). */
    public long setgroupsSyscall() {
        return setgroupsCall;
    }

    /**
     * The architecture of {@code osArch} (Java's {@code os.arch}).
     *
     * @throws UnsupportedOperationException for any other: its values are not known, and guessing x86_64's is
     *     what made "never follow a link" silently do nothing
     */
    public static HostAbi of(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64" -> AARCH64;
            default ->
                throw new UnsupportedOperationException("p9gate runs on x86_64 and aarch64 Linux only, not on " + osArch
                        + ": the kernel's open flags and system call numbers differ there");
        };
    }

    /** This host's: {@code serve} asks first, so an unsupported host stops before it serves anything. */
    public static HostAbi host() {
        return of(System.getProperty("os.arch"));
    }
}
