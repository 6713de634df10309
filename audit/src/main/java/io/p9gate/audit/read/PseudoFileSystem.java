package io.p9gate.audit.read;

import java.util.Arrays;
import java.util.Optional;

/**
 * File systems whose files the kernel makes up as they are read, by their {@code statfs} magic (linux/magic.h): no
 * log lives there. {@code /proc/kcore} states a size of 128 TiB (verify and the gateway's start read it for days,
 * within its size), {@code /proc/self/pagemap} none and yields hundreds of GB; a file of /sys or debugfs is no record
 * either. Known by the magic of the opened file, not by the mount table: a proc that only another mount namespace
 * has (reached through {@code /proc/PID/root}) is in no table this process reads.
 */
enum PseudoFileSystem {
    PROC("proc", 0x9fa0L),
    SYSFS("sysfs", 0x62656572L),
    DEBUGFS("debugfs", 0x64626720L),
    TRACEFS("tracefs", 0x74726163L),
    SECURITYFS("securityfs", 0x73636673L),
    CONFIGFS("configfs", 0x62656570L),
    CGROUP("cgroup", 0x27e0ebL),
    CGROUP2("cgroup2", 0x63677270L),
    BPF("bpf", 0xcafe4a11L),
    PSTORE("pstore", 0x6165676cL),
    EFIVARFS("efivarfs", 0xde5e81e4L),
    FUSECTL("fusectl", 0x65735543L),
    BINFMT_MISC("binfmt_misc", 0x42494e4dL),
    DEVPTS("devpts", 0x1cd1L),
    MQUEUE("mqueue", 0x19800202L),
    HUGETLBFS("hugetlbfs", 0x958458f6L),
    SELINUXFS("selinuxfs", 0xf97cff8cL),
    SMACKFS("smackfs", 0x43415d53L),
    NSFS("nsfs", 0x6e736673L),
    RPC_PIPEFS("rpc_pipefs", 0x67596969L),
    NFSD("nfsd", 0x6e667364L);

    /** The name {@code /proc/mounts} gives it. */
    final String type;

    private final long magic;

    PseudoFileSystem(String type, long magic) {
        this.type = type;
        this.magic = magic;
    }

    /** The pseudo file system of {@code statfs}'s {@code f_type} (a C long; the magics are 32-bit), if it is one. */
    static Optional<PseudoFileSystem> of(long fType) {
        long magic = fType & 0xffff_ffffL;
        return Arrays.stream(values()).filter(f -> f.magic == magic).findFirst();
    }
}
