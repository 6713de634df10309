package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel values that differ by host architecture, pinned to the kernel's headers, and used as they say. */
class HostAbiTest {
    @TempDir
    Path dir;

    /** include/uapi/asm-generic/fcntl.h, which arch/x86/include/uapi/asm/fcntl.h includes unchanged. */
    @Test
    void x86_64TakesAsmGenericOpenFlags() {
        HostAbi x86 = HostAbi.of("amd64");
        assertEquals(HostAbi.X86_64, x86);
        assertEquals(HostAbi.X86_64, HostAbi.of("x86_64"));
        assertEquals(0200000, x86.oDirectory()); // asm-generic/fcntl.h: #define O_DIRECTORY 00200000
        assertEquals(0400000, x86.oNoFollow()); // asm-generic/fcntl.h: #define O_NOFOLLOW 00400000
        assertEquals(116, x86.setgroupsSyscall()); // arch/x86/entry/syscalls/syscall_64.tbl: 116 common setgroups
    }

    /** arch/arm64/include/uapi/asm/fcntl.h defines its own four before it includes asm-generic/fcntl.h. */
    @Test
    void aarch64TakesItsOwnOpenFlags() {
        HostAbi arm = HostAbi.of("aarch64");
        assertEquals(HostAbi.AARCH64, arm);
        assertEquals(040000, arm.oDirectory()); // arm64 asm/fcntl.h: #define O_DIRECTORY 040000
        assertEquals(0100000, arm.oNoFollow()); // arm64 asm/fcntl.h: #define O_NOFOLLOW 0100000
        assertEquals(159, arm.setgroupsSyscall()); // include/uapi/asm-generic/unistd.h: #define __NR_setgroups 159
    }

    /** Guessing x86_64's values elsewhere is how "never follow a link" came to do nothing on aarch64. */
    @Test
    void anyOtherArchitectureIsRefusedByName() {
        for (String arch : new String[] {"riscv64", "arm", "ppc64le", "s390x", "x86", ""}) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> HostAbi.of(arch));
            assertTrue(e.getMessage().contains("x86_64 and aarch64"), e.getMessage());
        }
    }

    /** The flags the readers and the writer open with are this host's. */
    @Test
    void theAuditFilesOpenWithThisHostsFlags() {
        HostAbi host = HostAbi.of(System.getProperty("os.arch"));
        assertEquals(
                host.oNoFollow(),
                assertInstanceOf(FileCalls.Linked.class, FileCalls.LIBC).noFollow());
    }

    /** On this machine: the O_NOFOLLOW the writer uses refuses a link (ELOOP), as a link planted in the directory. */
    @Test
    void oNoFollowRefusesALinkThroughFileCalls() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("segment"), outside);
        FileCalls.Linked calls = assertInstanceOf(FileCalls.Linked.class, FileCalls.LIBC);
        FileCalls.Failed refused = assertThrows(
                FileCalls.Failed.class, () -> calls.open(link.toString(), FileCalls.O_RDONLY | calls.noFollow()));
        assertEquals(FileCalls.ELOOP, refused.errno);
        int fd = calls.open(link.toString(), FileCalls.O_RDONLY); // the same open follows it without the flag
        calls.close(fd);
    }

    /** On this machine: the O_DIRECTORY of this host refuses a regular file (ENOTDIR). */
    @Test
    void oDirectoryRefusesAFileThroughFileCalls() throws Exception {
        Path file = Files.writeString(dir.resolve("segment"), "x");
        FileCalls.Linked calls = assertInstanceOf(FileCalls.Linked.class, FileCalls.LIBC);
        FileCalls.Failed refused = assertThrows(
                FileCalls.Failed.class,
                () -> calls.open(
                        file.toString(), FileCalls.O_RDONLY | HostAbi.host().oDirectory()));
        assertEquals(FileCalls.ENOTDIR, refused.errno);
        int fd = calls.open(dir.toString(), FileCalls.O_RDONLY | HostAbi.host().oDirectory());
        calls.close(fd);
    }
}
