/*
 * hostile-helper: the system calls a hostile guest program makes that busybox cannot, for hostile.sh running
 * inside the test guest (GuestHostileIT).  Compiled on the HOST with `gcc -static -O2` and added with --add-bin.
 *
 * Prints one word: OK, or STEP:ERRNAME for the first step that failed (ERRNAME as strerrorname_np gives it), so
 * the test can assert the errno the guest got.  Always exits 0: the word is the result.
 *
 *   open-read FILE | open-rdwr FILE    open(2) O_RDONLY / O_RDWR, then read one byte
 *   creat FILE                         open(2) O_CREAT|O_EXCL|O_WRONLY 0644
 *   link OLD NEW | rename OLD NEW      link(2) / rename(2)
 *   truncate FILE LEN                  truncate(2) by path
 *   ftruncate FILE LEN                 open O_RDWR, ftruncate(2) through the fd
 *   fallocate FILE LEN                 open O_RDWR|O_CREAT, fallocate(2) mode 0 over [0, LEN)
 *   mknod FILE c|b|p|r                 mknod(2): char 1:3, block 7:0, fifo, regular
 *   chmod FILE OCTAL | chown FILE UID GID
 *   setxattr FILE NAME VALUE           setxattr(2)
 *   write FILE LEN                     O_CREAT|O_WRONLY|O_TRUNC, write LEN bytes, then fsync, then close
 *   write-close FILE LEN               as write without the fsync: what close(2) reports of the writeback
 *   cap FILE                           setxattr(2) of a valid security.capability (v2, CAP_SYS_ADMIN permitted)
 *   hold RO HIDDEN MAPPED READY DIR    opens RO, HIDDEN and MAPPED for writing (MAPPED also mmap'ed, shared),
 *                                      writes and fsyncs each, creates READY, waits (at most 120 s) until DIR
 *                                      lists "go" (the host's sign that it changed the policy), then writes
 *                                      through each held descriptor and map again: one word per file
 *   acl FILE                           setxattr(2) of a valid system.posix_acl_access naming user 0 rwx
 *   odirect FILE LEN                   as write, with O_DIRECT (LEN a multiple of 4096)
 *   mmap FILE LEN                      O_RDWR, ftruncate to LEN (the file must fit), MAP_SHARED, fill, msync
 *   copy SRC DST LEN | sendfile SRC DST LEN   copy_file_range(2) / sendfile(2) into a new DST, fsync, close
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int failed(const char *step) {
    const char *name = strerrorname_np(errno);
    printf("%s:%s\n", step, name ? name : "E?");
    return 0;
}

static int ok(void) {
    puts("OK");
    return 0;
}

static char *filled(size_t len) {
    char *buf = aligned_alloc(4096, len < 4096 ? 4096 : (len + 4095) / 4096 * 4096);
    memset(buf, 'H', len);
    return buf;
}

static int write_all(int fd, const char *buf, size_t len) {
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0) return -1;
        done += (size_t) n;
    }
    return 0;
}

static int finish(int fd) {
    if (fsync(fd) < 0) return failed("fsync");
    if (close(fd) < 0) return failed("close");
    return ok();
}

static int writes(const char *path, size_t len, int extra, int sync) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | extra, 0644);
    if (fd < 0) return failed("open");
    if (write_all(fd, filled(len), len) < 0) return failed("write");
    if (!sync) return close(fd) < 0 ? failed("close") : ok();
    return finish(fd);
}

/* linux/posix_acl_xattr.h: version 2, then (tag, perm, id) entries; user 0 (a raw id past the map) gets rwx. */
static int acl(const char *path) {
    struct { unsigned short tag, perm; unsigned int id; } entries[] = {
        {0x01, 7, ~0u}, {0x02, 7, 0}, {0x04, 7, ~0u}, {0x10, 7, ~0u}, {0x20, 7, ~0u}};
    char value[4 + sizeof entries];
    unsigned int version = 2;
    memcpy(value, &version, 4);
    memcpy(value + 4, entries, sizeof entries);
    return setxattr(path, "system.posix_acl_access", value, sizeof value, 0) < 0 ? failed("setxattr") : ok();
}

static int mmaps(const char *path, size_t len) {
    int fd = open(path, O_RDWR);
    if (fd < 0) return failed("open");
    if (ftruncate(fd, (off_t) len) < 0) return failed("ftruncate");
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return failed("mmap");
    memset(map, 'M', len);
    if (msync(map, len, MS_SYNC) < 0) return failed("msync");
    munmap(map, len);
    return finish(fd);
}

static int copies(const char *src, const char *dst, size_t len, int use_sendfile) {
    int in = open(src, O_RDONLY);
    if (in < 0) return failed("open-src");
    int out = open(dst, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (out < 0) return failed("open-dst");
    for (size_t done = 0; done < len;) {
        ssize_t n = use_sendfile ? sendfile(out, in, NULL, len - done)
                                 : copy_file_range(in, NULL, out, NULL, len - done, 0);
        if (n < 0) return failed(use_sendfile ? "sendfile" : "copy_file_range");
        if (n == 0) break;
        done += (size_t) n;
    }
    return finish(out);
}

static int node(const char *path, const char *kind) {
    mode_t type = kind[0] == 'c' ? S_IFCHR : kind[0] == 'b' ? S_IFBLK : kind[0] == 'p' ? S_IFIFO : S_IFREG;
    dev_t dev = kind[0] == 'c' ? makedev(1, 3) : kind[0] == 'b' ? makedev(7, 0) : 0;
    return mknod(path, type | 0666, dev) < 0 ? failed("mknod") : ok();
}

static int cap(const char *path) {
    unsigned int value[5] = {0x02000000, 1u << 21, 0, 0, 0};
    return setxattr(path, "security.capability", value, sizeof value, 0) < 0 ? failed("setxattr") : ok();
}

static int listed(const char *dir, const char *name) {
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    int found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) found |= !strcmp(e->d_name, name);
    closedir(d);
    return found;
}

/* Second half of hold: one write and fsync (or store and msync) per held file, one word each. */
static void write_again(int fd, const char *what) {
    if (pwrite(fd, "after", 5, 0) != 5) failed(what);
    else if (fsync(fd) < 0) failed("fsync");
    else ok();
}

static int hold(char **files, const char *ready, const char *dir) {
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = open(files[i], O_RDWR);
        if (fds[i] < 0 || pwrite(fds[i], "before", 6, 0) != 6 || fsync(fds[i]) < 0) return failed("before");
    }
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[2], 0);
    if (map == MAP_FAILED) return failed("mmap");
    if (open(ready, O_CREAT | O_WRONLY, 0644) < 0) return failed("ready");
    int waited = 0;
    while (!listed(dir, "go")) {
        if (++waited > 1200) return failed("no-go");
        usleep(100000);
    }
    write_again(fds[0], "pwrite");
    fflush(stdout);
    write_again(fds[1], "pwrite");
    fflush(stdout);
    memcpy(map, "mmaped", 6);
    if (msync(map, 4096, MS_SYNC) < 0) failed("msync");
    else if (fsync(fds[2]) < 0) failed("fsync");
    else ok();
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: hostile-helper OP FILE [ARGS]\n");
        return 2;
    }
    const char *op = argv[1], *path = argv[2];
    const char *a3 = argc > 3 ? argv[3] : "0", *a4 = argc > 4 ? argv[4] : "0";
    if (!strcmp(op, "open-read") || !strcmp(op, "open-rdwr")) {
        int fd = open(path, op[5] == 'r' && op[6] == 'e' ? O_RDONLY : O_RDWR);
        if (fd < 0) return failed("open");
        char c;
        return read(fd, &c, 1) < 0 ? failed("read") : ok();
    }
    if (!strcmp(op, "creat")) return open(path, O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 ? failed("open") : ok();
    if (!strcmp(op, "link")) return link(path, a3) < 0 ? failed("link") : ok();
    if (!strcmp(op, "rename")) return rename(path, a3) < 0 ? failed("rename") : ok();
    if (!strcmp(op, "truncate")) return truncate(path, atoll(a3)) < 0 ? failed("truncate") : ok();
    if (!strcmp(op, "ftruncate")) {
        int fd = open(path, O_RDWR);
        if (fd < 0) return failed("open");
        return ftruncate(fd, atoll(a3)) < 0 ? failed("ftruncate") : finish(fd);
    }
    if (!strcmp(op, "fallocate")) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0) return failed("open");
        return fallocate(fd, 0, 0, atoll(a3)) < 0 ? failed("fallocate") : finish(fd);
    }
    if (!strcmp(op, "mknod")) return node(path, a3);
    if (!strcmp(op, "chmod")) return chmod(path, strtol(a3, NULL, 8)) < 0 ? failed("chmod") : ok();
    if (!strcmp(op, "chown")) return chown(path, atoi(a3), atoi(a4)) < 0 ? failed("chown") : ok();
    if (!strcmp(op, "setxattr"))
        return setxattr(path, a3, a4, strlen(a4), 0) < 0 ? failed("setxattr") : ok();
    if (!strcmp(op, "write")) return writes(path, atoll(a3), 0, 1);
    if (!strcmp(op, "write-close")) return writes(path, atoll(a3), 0, 0);
    if (!strcmp(op, "odirect")) return writes(path, atoll(a3), O_DIRECT, 1);
    if (!strcmp(op, "acl")) return acl(path);
    if (!strcmp(op, "cap")) return cap(path);
    if (!strcmp(op, "hold") && argc == 7) return hold(argv + 2, argv[5], argv[6]);
    if (!strcmp(op, "mmap")) return mmaps(path, atoll(a3));
    if (!strcmp(op, "copy")) return copies(path, a3, atoll(a4), 0);
    if (!strcmp(op, "sendfile")) return copies(path, a3, atoll(a4), 1);
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
}
