/*
 * probe-helper: system calls busybox cannot make, for syscall-edges.sh (GuestSyscallEdgesIT) and flood-victim.sh
 * (GuestFloodLatencyIT) inside the test guest.  Compiled on the HOST with `gcc -static -O2` and added with --add-bin.
 *
 * Prints one word: OK (or a value), or STEP:ERRNAME for the first step that failed.  Always exits 0.
 *
 *   renameat2 OLD NEW FLAGS            renameat2(2), FLAGS 1 NOREPLACE, 2 EXCHANGE, 4 WHITEOUT
 *   truncate FILE LEN                  truncate(2) by path (LEN up to 2^63 - 1)
 *   pwrite FILE OFFSET                 open O_WRONLY|O_CREAT, pwrite(2) one byte at OFFSET, fsync
 *   utime FILE SEC                     utimensat(2) atime = mtime = SEC, then prints the mtime stat(2) gives
 *   fallocate FILE MODE OFF LEN        open O_RDWR|O_CREAT, fallocate(2)
 *   tmpfile DIR                        open(2) O_TMPFILE|O_RDWR in DIR
 *   appendrace FILE N                  a child appends N 100-byte records (O_APPEND) while the parent unlinks FILE
 *                                      after the first; prints the child's result and how many it wrote
 *   bigxattr FILE SIZE                 setxattr(2) user.big of SIZE bytes, then getxattr(2) its size back
 *   latency FILE N                     N times stat(2), open, read 4 KiB, close FILE; prints "median=US p99=US"
 *                                      (microseconds per round)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
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

static int appendrace(const char *path, int n) {
    int fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0644);
    if (fd < 0) return failed("open");
    int pipefd[2];
    if (pipe(pipefd) < 0) return failed("pipe");
    pid_t child = fork();
    if (child == 0) {
        char rec[100];
        memset(rec, 'a', sizeof rec);
        int written = 0;
        for (int i = 0; i < n; i++) {
            if (write(fd, rec, sizeof rec) != sizeof rec) {
                printf("write:%s written=%d\n", strerrorname_np(errno), written);
                fflush(stdout);
                _exit(0);
            }
            if (++written == 1) (void) !write(pipefd[1], "x", 1);
        }
        struct stat st;
        if (fstat(fd, &st) < 0) printf("fstat:%s written=%d\n", strerrorname_np(errno), written);
        else if (fsync(fd) < 0) printf("fsync:%s written=%d\n", strerrorname_np(errno), written);
        else printf("OK written=%d size=%lld\n", written, (long long) st.st_size);
        fflush(stdout);
        _exit(0);
    }
    char c;
    if (read(pipefd[0], &c, 1) != 1) return failed("read");
    if (unlink(path) < 0) return failed("unlink");
    int status;
    waitpid(child, &status, 0);
    return 0;
}

static long long micros(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static int by_value(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return (x > y) - (x < y);
}

static int latency(const char *path, int n) {
    long long *took = calloc((size_t) n, sizeof *took);
    char buf[4096];
    for (int i = 0; i < n; i++) {
        long long start = micros();
        struct stat st;
        if (stat(path, &st) < 0) return failed("stat");
        int fd = open(path, O_RDONLY);
        if (fd < 0) return failed("open");
        if (read(fd, buf, sizeof buf) < 0) return failed("read");
        close(fd);
        took[i] = micros() - start;
    }
    qsort(took, (size_t) n, sizeof *took, by_value);
    printf("median=%lld p99=%lld\n", took[n / 2], took[n * 99 / 100]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: probe-helper OP FILE [ARGS]\n");
        return 2;
    }
    const char *op = argv[1], *path = argv[2];
    const char *a3 = argc > 3 ? argv[3] : "0", *a4 = argc > 4 ? argv[4] : "0", *a5 = argc > 5 ? argv[5] : "0";
    if (!strcmp(op, "renameat2"))
        return renameat2(AT_FDCWD, path, AT_FDCWD, a3, (unsigned) atoi(a4)) < 0 ? failed("renameat2") : ok();
    if (!strcmp(op, "truncate")) return truncate(path, strtoll(a3, NULL, 10)) < 0 ? failed("truncate") : ok();
    if (!strcmp(op, "pwrite")) {
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) return failed("open");
        if (pwrite(fd, "p", 1, strtoll(a3, NULL, 10)) != 1) return failed("pwrite");
        return fsync(fd) < 0 ? failed("fsync") : ok();
    }
    if (!strcmp(op, "utime")) {
        struct timespec t[2] = {{strtoll(a3, NULL, 10), 0}, {strtoll(a3, NULL, 10), 0}};
        if (utimensat(AT_FDCWD, path, t, 0) < 0) return failed("utimensat");
        struct stat st;
        if (stat(path, &st) < 0) return failed("stat");
        printf("%lld\n", (long long) st.st_mtim.tv_sec);
        return 0;
    }
    if (!strcmp(op, "fallocate")) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0) return failed("open");
        return fallocate(fd, atoi(a3), strtoll(a4, NULL, 10), strtoll(a5, NULL, 10)) < 0 ? failed("fallocate") : ok();
    }
    if (!strcmp(op, "tmpfile")) return open(path, O_TMPFILE | O_RDWR, 0600) < 0 ? failed("open") : ok();
    if (!strcmp(op, "appendrace")) return appendrace(path, atoi(a3));
    if (!strcmp(op, "bigxattr")) {
        size_t len = strtoul(a3, NULL, 10);
        char *value = malloc(len);
        memset(value, 'X', len);
        if (setxattr(path, "user.big", value, len, 0) < 0) return failed("setxattr");
        ssize_t got = getxattr(path, "user.big", NULL, 0);
        if (got < 0) return failed("getxattr");
        printf("%zd\n", got);
        return 0;
    }
    if (!strcmp(op, "latency")) return latency(path, atoi(a3));
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
}
