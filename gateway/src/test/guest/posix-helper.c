/*
 * posix-helper: the few POSIX checks busybox cannot do from a shell, for
 * posix.sh running inside the test guest.  Compiled on the HOST with
 * `gcc -static -O2` (the guest has no compiler and no libc beyond the one
 * --add-bin copies) and added to the guest with run-guest.sh --add-bin.
 *
 *   posix-helper fcntl-locks FILE     byte-range locks: conflict, F_GETLK owner, unlock
 *   posix-helper unlinked-fstat FILE  open, unlink, then fstat/read/write through the fd
 *   posix-helper create FILE MODE     open(FILE, O_CREAT|O_EXCL|O_WRONLY, octal MODE), as the caller's umask allows
 *   posix-helper utimens FILE NSEC    utimensat: atime and mtime 1600000000.NSEC
 *   posix-helper as UID GID PROG ARG...  runs PROG as UID/GID with no supplementary groups (busybox su
 *                                     needs a user database the guest does not have)
 *   posix-helper write-fstat FILE     open(FILE, O_WRONLY), write one byte, print fstat's mode (octal)
 *   posix-helper seekdir DIR          telldir before every readdir, then seekdir to every 97th position:
 *                                     readdir there must give the same entry again (cookies the server made)
 *
 * Exit 0 when every step behaved as POSIX says; otherwise one line on
 * stderr naming the step and errno, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

static int fail(const char *step) {
    fprintf(stderr, "%s: %s\n", step, errno ? strerror(errno) : "unexpected result");
    return 1;
}

static int set_lock(int fd, short type, off_t start, off_t len) {
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return fcntl(fd, F_SETLK, &fl);
}

/* Child side: runs while the parent holds a write lock on [0,10). */
static int child_checks(const char *path, pid_t holder) {
    int fd = open(path, O_RDWR);
    if (fd < 0) return fail("child open");
    errno = 0;
    if (set_lock(fd, F_WRLCK, 0, 10) == 0) { errno = 0; return fail("conflicting F_SETLK succeeded"); }
    if (errno != EAGAIN && errno != EACCES) return fail("conflicting F_SETLK errno");
    struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
    if (fcntl(fd, F_GETLK, &probe) < 0) return fail("F_GETLK");
    errno = 0;
    if (probe.l_type != F_WRLCK) return fail("F_GETLK does not report the write lock");
    if (probe.l_pid != holder) {
        fprintf(stderr, "F_GETLK l_pid %d, holder %d\n", (int) probe.l_pid, (int) holder);
        return 1;
    }
    if (set_lock(fd, F_WRLCK, 100, 10) < 0) return fail("non-overlapping F_SETLK");
    return 0;
}

static int fcntl_locks(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) return fail("open");
    if (set_lock(fd, F_WRLCK, 0, 10) < 0) return fail("F_SETLK write [0,10)");
    pid_t pid = fork();
    if (pid < 0) return fail("fork");
    if (pid == 0) _exit(child_checks(path, getppid()));
    int status;
    if (waitpid(pid, &status, 0) < 0) return fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { errno = 0; return fail("child checks"); }
    if (set_lock(fd, F_UNLCK, 0, 10) < 0) return fail("F_UNLCK");
    /* After the unlock another process gets the range at once. */
    pid = fork();
    if (pid < 0) return fail("fork");
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        _exit(cfd >= 0 && set_lock(cfd, F_WRLCK, 0, 10) == 0 ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) < 0) return fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { errno = 0; return fail("lock after unlock"); }
    return close(fd) < 0 ? fail("close") : 0;
}

static int unlinked_fstat(const char *path) {
    static const char text[] = "still here\n";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    if (write(fd, text, sizeof text - 1) != (ssize_t) (sizeof text - 1)) return fail("write");
    if (unlink(path) < 0) return fail("unlink");
    errno = 0;
    if (access(path, F_OK) == 0) return fail("name still visible after unlink");
    struct stat st;
    if (fstat(fd, &st) < 0) return fail("fstat after unlink");
    if (st.st_size != (off_t) (sizeof text - 1)) { errno = 0; return fail("fstat size after unlink"); }
    if (pwrite(fd, "S", 1, 0) != 1) return fail("pwrite after unlink");
    char buf[64] = {0};
    if (pread(fd, buf, sizeof buf, 0) != (ssize_t) (sizeof text - 1)) return fail("pread after unlink");
    if (strcmp(buf, "Still here\n") != 0) { errno = 0; return fail("content after unlink"); }
    return close(fd) < 0 ? fail("close") : 0;
}

/* busybox has no way to pass open(2) an exact create mode (touch asks 0666). */
static int create_mode(const char *path, const char *mode) {
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, (mode_t) strtol(mode, NULL, 8));
    if (fd < 0) return fail("open O_CREAT");
    return close(fd) < 0 ? fail("close") : 0;
}

/* busybox touch cannot set nanoseconds. */
static int utimens(const char *path, const char *nsec) {
    struct timespec times[2] = { { 1600000000, strtol(nsec, NULL, 10) }, { 1600000000, strtol(nsec, NULL, 10) } };
    return utimensat(AT_FDCWD, path, times, 0) < 0 ? fail("utimensat") : 0;
}

/* pjdfstest's "-u UID -g GID": another user, without root's supplementary groups. */
static int run_as(char **argv) {
    gid_t gid = (gid_t) strtol(argv[1], NULL, 10);
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0) return fail("setgid");
    if (setuid((uid_t) strtol(argv[0], NULL, 10)) < 0) return fail("setuid");
    execvp(argv[2], argv + 2);
    return fail("exec");
}

/* chmod/12.t: a write by someone else clears set-uid/set-gid, and the writer's fstat already shows it. */
static int write_fstat(const char *path) {
    struct stat st;
    int fd = open(path, O_WRONLY);
    if (fd < 0) return fail("open O_WRONLY");
    if (write(fd, "x", 1) != 1) return fail("write");
    if (fstat(fd, &st) < 0) return fail("fstat");
    printf("%o\n", (unsigned) (st.st_mode & 07777));
    return close(fd) < 0 ? fail("close") : 0;
}

/* telldir/seekdir: a position telldir gave, passed back, resumes at the same entry (readdir's d_off cookies). */
static int seek_dir(const char *path) {
    enum { MAX = 20000 };
    static long pos[MAX];
    static char name[MAX][256];
    DIR *d = opendir(path);
    if (!d) return fail("opendir");
    int n = 0;
    for (;;) {
        long at = telldir(d);
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) return fail("readdir");
            break;
        }
        if (n == MAX) { errno = 0; return fail("more entries than the helper holds"); }
        if (at < 0) { errno = 0; return fail("telldir gave a negative position"); }
        pos[n] = at;
        snprintf(name[n], sizeof name[n], "%s", e->d_name);
        n++;
    }
    for (int i = 0; i < n; i += 97) {
        seekdir(d, pos[i]);
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e || strcmp(e->d_name, name[i]) != 0) {
            fprintf(stderr, "seekdir to entry %d (%s, position %ld) read %s (%s)\n", i, name[i], pos[i],
                    e ? e->d_name : "nothing", errno ? strerror(errno) : "no error");
            return 1;
        }
    }
    printf("%d\n", n);
    return closedir(d) < 0 ? fail("closedir") : 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "fcntl-locks") == 0) return fcntl_locks(argv[2]);
    if (argc == 3 && strcmp(argv[1], "unlinked-fstat") == 0) return unlinked_fstat(argv[2]);
    if (argc == 4 && strcmp(argv[1], "create") == 0) return create_mode(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "utimens") == 0) return utimens(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "as") == 0) return run_as(argv + 2);
    if (argc == 3 && strcmp(argv[1], "write-fstat") == 0) return write_fstat(argv[2]);
    if (argc == 3 && strcmp(argv[1], "seekdir") == 0) return seek_dir(argv[2]);
    fprintf(stderr, "usage: posix-helper fcntl-locks|unlinked-fstat|write-fstat FILE | seekdir DIR | create FILE MODE"
            " | utimens FILE NSEC | as UID GID PROG ARG...\n");
    return 2;
}
