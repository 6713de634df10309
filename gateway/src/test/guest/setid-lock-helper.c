/*
 * setid-lock-helper: what busybox cannot do for GuestSetIdLockReloadIT's two guests and GuestGetlkSetIdIT's guest.  Compiled on the HOST with
 * `gcc -static -O2` and added with --add-bin.  Prints "@@ NAME WORD" lines, WORD = OK or the errno's name.
 *
 *   as UID CMD [ARGS]        runs CMD as uid and gid UID without supplementary groups (busybox setpriv cannot)
 *   await FILE SECONDS       polls (every 50 ms) until FILE exists; exit 1 if it never does
 *   hold FILE READY GO       opens FILE O_RDWR, fcntl F_SETLK write lock, creates READY, waits for GO (180 s),
 *                            then asks the write lock again, unlocks, takes a read lock and closes
 *   setlkw FILE              opens FILE O_RDWR, fcntl F_SETLKW write lock (waits), unlocks and closes
 *   getlk NAME FILE START LEN [OWN_START OWN_LEN]
 *                            opens FILE O_RDWR (first taking a write lock on OWN_START/OWN_LEN if given), asks
 *                            F_GETLK of a write lock over START/LEN: "@@ NAME TYPE START LEN PID" (UNLCK alone)
 *   writes FILE READY GO     opens FILE O_WRONLY, writes, creates READY, waits for GO (180 s), writes, closes
 *                            (GuestGetlkSetIdIT: the host's chmod u+s comes while the guest holds it open)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void mark(const char *name, int result) {
    const char *word = result < 0 ? strerrorname_np(errno) : "OK";
    printf("@@ %s %s\n", name, word ? word : "E?");
    fflush(stdout);
}

static int lock(int fd, int cmd, short type) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, cmd, &fl);
}

static int await(const char *path, int seconds) {
    struct stat st;
    for (int i = 0; i < seconds * 20; i++) {
        if (stat(path, &st) == 0) return 1;
        usleep(50000);
    }
    return 0;
}

static int hold(const char *path, const char *ready, const char *go) {
    int fd = open(path, O_RDWR);
    mark("hold-open", fd);
    mark("hold-lock", lock(fd, F_SETLK, F_WRLCK));
    close(open(ready, O_CREAT | O_WRONLY, 0644));
    if (!await(go, 180)) return 1;
    mark("hold-relock", lock(fd, F_SETLK, F_WRLCK));
    mark("hold-unlock", lock(fd, F_SETLK, F_UNLCK));
    mark("hold-rdlock", lock(fd, F_SETLK, F_RDLCK));
    mark("hold-close", close(fd));
    return 0;
}

static int setlkw(const char *path) {
    int fd = open(path, O_RDWR);
    mark("wait-open", fd);
    mark("wait-lock", lock(fd, F_SETLKW, F_WRLCK));
    mark("wait-unlock", lock(fd, F_SETLK, F_UNLCK));
    mark("wait-close", close(fd));
    return 0;
}

static int getlk(const char *name, const char *path, char **range, char **own) {
    int fd = open(path, O_RDWR);
    if (fd < 0 || (own && fcntl(fd, F_SETLK, &(struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET,
                                                   .l_start = atoll(own[0]), .l_len = atoll(own[1])}) < 0)) {
        mark(name, -1);
        return 1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = atoll(range[0]), .l_len = atoll(range[1])};
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        mark(name, -1);
    } else if (fl.l_type == F_UNLCK) {
        printf("@@ %s UNLCK\n", name);
    } else {
        printf("@@ %s %s %lld %lld %d\n", name, fl.l_type == F_WRLCK ? "WRLCK" : "RDLCK", (long long) fl.l_start,
               (long long) fl.l_len, (int) fl.l_pid);
    }
    fflush(stdout);
    close(fd);
    return 0;
}

static int writes(const char *path, const char *ready, const char *go) {
    int fd = open(path, O_WRONLY);
    mark("writes-first", fd < 0 ? -1 : (int) write(fd, "1\n", 2));
    close(open(ready, O_CREAT | O_WRONLY, 0644));
    if (!await(go, 180)) return 1;
    mark("writes-second", (int) write(fd, "2\n", 2));
    mark("writes-close", close(fd));
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *op = argv[1];
    if (!strcmp(op, "as") && argc > 3) {
        uid_t id = (uid_t) atoi(argv[2]);
        if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 || setresuid(id, id, id) < 0) return 3;
        execvp(argv[3], argv + 3);
        return 4;
    }
    if (!strcmp(op, "await") && argc > 3) return await(argv[2], atoi(argv[3])) ? 0 : 1;
    if (!strcmp(op, "hold") && argc > 4) return hold(argv[2], argv[3], argv[4]);
    if (!strcmp(op, "setlkw")) return setlkw(argv[2]);
    if (!strcmp(op, "getlk") && (argc == 6 || argc == 8)) return getlk(argv[2], argv[3], argv + 4, argc == 8 ? argv + 6 : NULL);
    if (!strcmp(op, "writes") && argc > 4) return writes(argv[2], argv[3], argv[4]);
    return 2;
}
