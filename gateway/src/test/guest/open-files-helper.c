/*
 * open-files-helper DIR: for open-files.sh (GuestOpenFilesDiodIT).  Calls made through descriptors whose names moved
 * or went (renamed over, unlinked, renamed, a removed directory), O_DIRECT at odd offsets and UTIME_OMIT, in DIR.
 * Compiled on the HOST with `gcc -static -O2` and added with --add-bin.  Prints "@@ STEP RESULT" lines, RESULT being
 * OK, a value, or the errno's name; exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[4096];

/* DIR/NAME in one of four buffers in turn, so that one call may take two of them (rename's old and new). */
static const char *at(const char *name) {
    static char paths[4][8192];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, 8192, "%s/%s", dir, name);
    return path;
}

static void show(const char *step, long rc) {
    const char *name = strerrorname_np(errno);
    if (rc < 0) printf("@@ %s %s\n", step, name ? name : "E?");
    else printf("@@ %s OK\n", step);
}

static void put(const char *name, const char *text) {
    int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0) printf("@@ setup-%s %s\n", name, strerrorname_np(errno));
}

/* Every call one can make through a descriptor whose name is gone or moved: what each answers, then what it shows. */
static void through(const char *prefix, int fd) {
    char step[128];
    char buf[64] = {0};
    struct stat st;
#define STEP(label, call) do { snprintf(step, sizeof step, "%s-%s", prefix, label); errno = 0; show(step, (long) (call)); } while (0)
    STEP("pread", pread(fd, buf, sizeof buf - 1, 0));
    printf("@@ %s-content %s\n", prefix, buf);
    STEP("pwrite", pwrite(fd, "X", 1, 0));
    STEP("ftruncate-down", ftruncate(fd, 2));
    STEP("ftruncate-up", ftruncate(fd, 5000));
    STEP("fchmod", fchmod(fd, 0600));
    struct timespec times[2] = {{.tv_sec = 1500000000, .tv_nsec = 0}, {.tv_sec = 1600000000, .tv_nsec = 0}};
    STEP("futimens", futimens(fd, times));
    STEP("fsetxattr", fsetxattr(fd, "user.k", "v", 1, 0));
    char value[8] = {0};
    STEP("fgetxattr", fgetxattr(fd, "user.k", value, sizeof value));
    STEP("flistxattr", flistxattr(fd, buf, sizeof buf));
    STEP("fremovexattr", fremovexattr(fd, "user.k"));
    STEP("flock", flock(fd, LOCK_EX | LOCK_NB));
    STEP("funlock", flock(fd, LOCK_UN));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    STEP("setlk", fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_UNLCK;
    STEP("unlk", fcntl(fd, F_SETLK, &fl));
    STEP("fsync", fsync(fd));
    STEP("fdatasync", fdatasync(fd));
    STEP("fchown", fchown(fd, 0, 0));
    STEP("fstat", fstat(fd, &st));
    printf("@@ %s-stat %ld %o %ld %ld\n", prefix, (long) st.st_size, st.st_mode & 07777, (long) st.st_nlink, (long) st.st_mtime);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    snprintf(step, sizeof step, "%s-relink", prefix);
    errno = 0;
    show(step, linkat(AT_FDCWD, proc, AT_FDCWD, at("relinked"), AT_SYMLINK_FOLLOW));
    unlink(at("relinked"));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: open-files-helper DIR\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);

    /* a file renamed over while open */
    put("b", "old-b");
    put("a", "new-a");
    int over = open(at("b"), O_RDWR);
    show("over-rename", rename(at("a"), at("b")));
    through("over", over);
    close(over);

    /* an unlinked open file */
    put("u", "unlinked");
    int gone = open(at("u"), O_RDWR);
    show("unlinked-unlink", unlink(at("u")));
    through("unlinked", gone);
    close(gone);

    /* a file renamed while open, and one in a directory renamed */
    put("c", "moved-c");
    int moved = open(at("c"), O_RDWR);
    show("moved-rename", rename(at("c"), at("d")));
    through("moved", moved);
    close(moved);
    mkdir(at("e"), 0755);
    put("e/f", "in-dir-e");
    int inner = open(at("e/f"), O_RDWR);
    int edir = open(at("e"), O_RDONLY | O_DIRECTORY);
    show("dir-rename", rename(at("e"), at("g")));
    through("indir", inner);
    close(inner);
    errno = 0;
    int made = openat(edir, "new", O_WRONLY | O_CREAT | O_EXCL, 0644);
    show("dir-openat-create", made);
    if (made >= 0) close(made);
    show("dir-mkdirat", mkdirat(edir, "sub", 0755));
    struct stat st;
    show("dir-fstatat", fstatat(edir, "f", &st, 0));
    show("dir-renameat", renameat(edir, "f", edir, "f2"));
    show("dir-unlinkat", unlinkat(edir, "f2", 0));
    close(edir);

    /* a removed directory still open */
    mkdir(at("h"), 0755);
    int hdir = open(at("h"), O_RDONLY | O_DIRECTORY);
    show("rmdir", rmdir(at("h")));
    errno = 0;
    made = openat(hdir, "x", O_WRONLY | O_CREAT, 0644);
    show("rmdir-openat-create", made);
    if (made >= 0) close(made);
    show("rmdir-mkdirat", mkdirat(hdir, "y", 0755));
    show("rmdir-fstat", fstat(hdir, &st));
    printf("@@ rmdir-nlink %ld\n", (long) st.st_nlink);
    show("rmdir-fchmod", fchmod(hdir, 0700));
    close(hdir);

    /* O_DIRECT: an aligned write far out, then reads at odd offsets and lengths */
    int direct = open(at("direct"), O_RDWR | O_CREAT | O_DIRECT, 0644);
    static char block[8192] __attribute__((aligned(4096)));
    memset(block, 'D', sizeof block);
    show("direct-open", direct);
    show("direct-write", pwrite(direct, block, 4096, 3 * 4096));
    show("direct-write-odd", pwrite(direct, block, 100, 7));
    memset(block, 0, sizeof block);
    ssize_t n = pread(direct, block, 8192, 4096 * 3 - 1);
    printf("@@ direct-read-odd %ld %c%c\n", (long) n, block[0] ? block[0] : '0', block[1] ? block[1] : '0');
    n = pread(direct, block, 8192, 4096 * 4 + 1);
    printf("@@ direct-read-past %ld\n", (long) n);
    close(direct);
    show("direct-stat", stat(at("direct"), &st));
    printf("@@ direct-size %ld\n", (long) st.st_size);

    /* UTIME_OMIT keeps the one left out, UTIME_NOW moves it */
    put("t", "t");
    struct timespec both[2] = {{.tv_sec = 1400000000}, {.tv_sec = 1300000000}};
    utimensat(AT_FDCWD, at("t"), both, 0);
    struct timespec omit[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1200000000}};
    show("utime-omit", utimensat(AT_FDCWD, at("t"), omit, 0));
    stat(at("t"), &st);
    printf("@@ utime-omit-times %ld %ld\n", (long) st.st_atime, (long) st.st_mtime);
    return 0;
}
