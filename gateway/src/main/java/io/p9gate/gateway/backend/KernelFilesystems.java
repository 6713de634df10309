package io.p9gate.gateway.backend;

import static java.util.Map.entry;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.Map;
import java.util.Optional;

/**
 * Kernel pseudo filesystems (R-CONF-1): their files are the running host kernel's state and controls, not data.
 * A root filesystem that is also a chroot has {@code proc} and {@code sys} mounted inside it; through them a guest
 * would write {@code /proc/sys/kernel/core_pattern} (a command the host runs as root), {@code /proc/sysrq-trigger}
 * or {@code /sys} knobs, and read {@code /proc/<pid>/mem} of the gateway. No share is one, and no walk enters one.
 * Device filesystems (devtmpfs, devpts) are not listed: their nodes are never opened or changed (see {@link FileIo},
 * {@link Inodes}).
 */
final class KernelFilesystems {
    /** statfs(2) f_type magic numbers (linux/magic.h). */
    private static final Map<Long, String> NAMES = Map.ofEntries(
            entry(0x9fa0L, "proc"),
            entry(0x62656572L, "sysfs"),
            entry(0x64626720L, "debugfs"),
            entry(0x74726163L, "tracefs"),
            entry(0x73636673L, "securityfs"),
            entry(0x27e0ebL, "cgroup"),
            entry(0x63677270L, "cgroup2"),
            entry(0xcafe4a11L, "bpf"),
            entry(0x62656570L, "configfs"),
            entry(0xde5e81e4L, "efivarfs"),
            entry(0x6165676cL, "pstore"),
            entry(0x42494e4dL, "binfmt_misc"),
            entry(0x65735543L, "fusectl"),
            entry(0xf97cff8cL, "selinuxfs"),
            entry(0x43415d53L, "smackfs"),
            entry(0x6e736673L, "nsfs"));

    private KernelFilesystems() {}

    /** The name of the kernel pseudo filesystem {@code node} is on, if it is on one (one fstatfs). */
    static Optional<String> of(Node node) throws P9Exception {
        return named(Inodes.filesystemType(node));
    }

    /** The name of the kernel pseudo filesystem of statfs type {@code fsType}, if it is one. */
    static Optional<String> named(long fsType) {
        return Optional.ofNullable(NAMES.get(fsType));
    }

    /**
     * {@code next}, a lookup's result in {@code dir}, unless it crossed into a kernel pseudo filesystem (then it is
     * closed: EACCES). Only a crossing to another device can, so other lookups cost no system call.
     */
    static Node refuseCrossingInto(Node dir, Node next) throws P9Exception {
        if (next.key().dev() == dir.key().dev()) {
            return next;
        }
        Optional<String> kernel;
        try {
            kernel = of(next);
        } catch (P9Exception | RuntimeException e) {
            next.close();
            throw e;
        }
        if (kernel.isPresent()) {
            next.close();
            throw new P9Exception(Errno.EACCES, "a " + kernel.get() + " mount is the host kernel, not shared files");
        }
        return next;
    }
}
