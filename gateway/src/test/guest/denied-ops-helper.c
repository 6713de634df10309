/*
 * denied-ops-helper: one system call of each family a share policy may refuse, for denied-ops.sh
 * (GuestDeniedOpsIT) inside the test guest.  Compiled on the HOST with `gcc -static -O2` and added with --add-bin.
 * busybox's tools make several calls per command (mv stats, cp falls back to copying), so their message does not
 * say which call got which errno; this makes exactly one.
 *
 * Prints OK or the errno's name (EROFS, ENOENT, ...).  Always exits 0.
 *
 *   open-write PATH | open-trunc PATH | creat PATH | mkdir PATH | rmdir PATH | unlink PATH | truncate PATH
 *   rename OLD NEW | link OLD NEW | symlink TARGET PATH | chmod PATH | chown PATH | utimes PATH
 *   setxattr PATH | removexattr PATH | mknod PATH | opendir PATH | stat PATH
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

static int said(int rc) {
    if (rc < 0) {
        const char *name = strerrorname_np(errno);
        puts(name ? name : "E?");
    } else {
        puts("OK");
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: denied-ops-helper OP PATH [PATH2]\n");
        return 2;
    }
    const char *op = argv[1], *p = argv[2], *q = argc > 3 ? argv[3] : "";
    if (!strcmp(op, "open-write")) return said(open(p, O_WRONLY));
    if (!strcmp(op, "open-trunc")) return said(open(p, O_WRONLY | O_TRUNC));
    if (!strcmp(op, "creat")) return said(creat(p, 0644));
    if (!strcmp(op, "mkdir")) return said(mkdir(p, 0755));
    if (!strcmp(op, "rmdir")) return said(rmdir(p));
    if (!strcmp(op, "unlink")) return said(unlink(p));
    if (!strcmp(op, "truncate")) return said(truncate(p, 1));
    if (!strcmp(op, "rename")) return said(rename(p, q));
    if (!strcmp(op, "link")) return said(link(p, q));
    if (!strcmp(op, "symlink")) return said(symlink(p, q));
    if (!strcmp(op, "chmod")) return said(chmod(p, 0600));
    if (!strcmp(op, "chown")) return said(chown(p, 1, 1));
    if (!strcmp(op, "utimes")) return said(utimes(p, NULL));
    if (!strcmp(op, "setxattr")) return said(setxattr(p, "user.probe", "v", 1, 0));
    if (!strcmp(op, "removexattr")) return said(removexattr(p, "user.probe"));
    if (!strcmp(op, "mknod")) return said(mknod(p, S_IFIFO | 0644, 0));
    if (!strcmp(op, "stat")) {
        struct stat st;
        return said(stat(p, &st));
    }
    if (!strcmp(op, "opendir")) {
        DIR *d = opendir(p);
        if (d) closedir(d);
        return said(d ? 0 : -1);
    }
    fprintf(stderr, "denied-ops-helper: unknown op %s\n", op);
    return 2;
}
