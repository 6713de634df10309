/*
 * isolation-helper: the system calls busybox cannot make, for the two guests of GuestIsolationIT (a well-behaved
 * VM's workload and a hostile VM's attack, each in its own guest on one gateway).  Compiled on the HOST with
 * `gcc -static -O2` and added with --add-bin.
 *
 * Prints one word: OK, or STEP:ERRNAME for the first step that failed (ERRNAME as strerrorname_np gives it), or
 * the value asked for.  Always exits 0: the word is the result.
 *
 *   now                          CLOCK_MONOTONIC in milliseconds
 *   wait FILE SECONDS            polls (every 50 ms) until FILE exists; OK or wait:ETIMEDOUT
 *   read FILE                    open(2) O_RDONLY, read one byte
 *   creat FILE                   open(2) O_CREAT|O_EXCL|O_WRONLY 0644
 *   lockcycle FILE N             open O_RDWR; N times: fcntl F_SETLKW write lock, unlock, flock LOCK_EX, LOCK_UN
 *   trylock FILE                 open O_RDONLY, fcntl F_SETLK read lock (no wait): OK or fcntl:EAGAIN
 *   fdio FILE ROUNDS GO          opens (creates) FILE O_RDWR, waits for GO to exist, then ROUNDS times writes a
 *                                round-stamped 4 KiB block, fsyncs, reads it back, compares and fstats: the open
 *                                descriptor must keep working and keep its bytes whatever others do to its names
 *   hold STOP FILE...            takes a write lock on each FILE: fcntl F_WRLCK through O_RDWR, or for f:FILE
 *                                flock LOCK_EX through O_RDONLY (the guest kernel makes both POSIX locks of
 *                                different owners, so one file gets one kind); prints one word per FILE, keeps them
 *                                until STOP exists (at most 240 s), then exits (which releases them)
 *   massopen STOP N FILE         opens FILE O_RDONLY up to N times, prints "opened=K" and the first failure,
 *                                keeps them open until STOP exists (at most 240 s)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096
#define BLOCKS 16

static const char *errname(void) {
    const char *name = strerrorname_np(errno);
    return name ? name : "E?";
}

static int failed(const char *step) {
    printf("%s:%s\n", step, errname());
    return 0;
}

static int ok(void) {
    puts("OK");
    return 0;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 1 once path exists, 0 after seconds. */
static int await(const char *path, int seconds) {
    struct stat st;
    for (long long until = now_ms() + seconds * 1000LL; now_ms() < until; usleep(50000)) {
        if (stat(path, &st) == 0) return 1;
    }
    return 0;
}

static int lock(int fd, int cmd, short type) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, cmd, &fl);
}

static int lockcycle(const char *path, int rounds) {
    int fd = open(path, O_RDWR);
    if (fd < 0) return failed("open");
    for (int i = 0; i < rounds; i++) {
        if (lock(fd, F_SETLKW, F_WRLCK) < 0) return failed("fcntl-lock");
        if (lock(fd, F_SETLK, F_UNLCK) < 0) return failed("fcntl-unlock");
        if (flock(fd, LOCK_EX) < 0) return failed("flock");
        if (flock(fd, LOCK_UN) < 0) return failed("flock-unlock");
    }
    return close(fd) < 0 ? failed("close") : ok();
}

static int trylock(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return failed("open");
    if (lock(fd, F_SETLK, F_RDLCK) < 0) return failed("fcntl");
    return close(fd) < 0 ? failed("close") : ok();
}

static int fdio(const char *path, int rounds, const char *go) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) return failed("open");
    if (!await(go, 120)) {
        errno = ETIMEDOUT;
        return failed("go");
    }
    char want[BLOCK], got[BLOCK];
    for (int r = 0; r < rounds; r++) {
        off_t at = (off_t) (r % BLOCKS) * BLOCK;
        memset(want, 'a' + r % 26, BLOCK);
        snprintf(want, 32, "round %d", r);
        if (pwrite(fd, want, BLOCK, at) != BLOCK) return failed("pwrite");
        if (fsync(fd) < 0) return failed("fsync");
        if (pread(fd, got, BLOCK, at) != BLOCK) return failed("pread");
        if (memcmp(want, got, BLOCK) != 0) {
            errno = EILSEQ;
            return failed("compare");
        }
        struct stat st;
        if (fstat(fd, &st) < 0) return failed("fstat");
        if (st.st_size < at + BLOCK) {
            errno = EILSEQ;
            return failed("size");
        }
    }
    return close(fd) < 0 ? failed("close") : ok();
}

static int hold(const char *stop, char **files, int count) {
    for (int i = 0; i < count; i++) {
        int by_flock = !strncmp(files[i], "f:", 2);
        int fd = by_flock ? open(files[i] + 2, O_RDONLY) : open(files[i], O_RDWR);
        if (fd < 0) failed("open");
        else if (by_flock ? flock(fd, LOCK_EX | LOCK_NB) < 0 : lock(fd, F_SETLK, F_WRLCK) < 0)
            failed(by_flock ? "flock" : "fcntl");
        else ok();
        fflush(stdout);
    }
    await(stop, 240);
    return 0;
}

static int massopen(const char *stop, int n, const char *path) {
    struct rlimit lim = {(rlim_t) n + 16, (rlim_t) n + 16};
    setrlimit(RLIMIT_NOFILE, &lim);
    int opened = 0;
    const char *first = "none";
    for (; opened < n; opened++) {
        if (open(path, O_RDONLY) < 0) {
            first = errname();
            break;
        }
    }
    printf("opened=%d failure=%s\n", opened, first);
    fflush(stdout);
    await(stop, 240);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: isolation-helper OP [ARGS]\n");
        return 2;
    }
    const char *op = argv[1];
    if (!strcmp(op, "now")) return printf("%lld\n", now_ms()) < 0;
    if (argc < 3) return 2;
    const char *path = argv[2], *a3 = argc > 3 ? argv[3] : "0", *a4 = argc > 4 ? argv[4] : "";
    if (!strcmp(op, "wait")) {
        if (await(path, atoi(a3))) return ok();
        errno = ETIMEDOUT;
        return failed("wait");
    }
    if (!strcmp(op, "read")) {
        char c;
        int fd = open(path, O_RDONLY);
        if (fd < 0) return failed("open");
        return read(fd, &c, 1) < 0 ? failed("read") : ok();
    }
    if (!strcmp(op, "creat")) return open(path, O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 ? failed("open") : ok();
    if (!strcmp(op, "lockcycle")) return lockcycle(path, atoi(a3));
    if (!strcmp(op, "trylock")) return trylock(path);
    if (!strcmp(op, "fdio") && argc == 5) return fdio(path, atoi(a3), a4);
    if (!strcmp(op, "hold") && argc > 3) return hold(path, argv + 3, argc - 3);
    if (!strcmp(op, "massopen") && argc == 5) return massopen(path, atoi(a3), a4);
    fprintf(stderr, "isolation-helper: unknown or incomplete op %s\n", op);
    return 2;
}
