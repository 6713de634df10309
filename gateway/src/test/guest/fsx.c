/* fsx.c - a seeded random sequence of file operations for differential runs (GuestDifferentialIT).
 *
 *   fsx SEED NOPS [MMAP]    in the current directory: NOPS operations chosen by SEED (writes at random offsets
 *                           and sizes across the msize boundaries, O_APPEND, truncate up and down, writes through
 *                           a descriptor kept open across renames and unlinks, hard links, renames over existing
 *                           files and directories, chmod, fsync, reads of holes; with MMAP=1 also mmap writes and
 *                           msync), one line per operation with its result or errno name, then the final state:
 *                           every entry's type, owner, mode, link count, size and a checksum of its bytes.
 *   fsx append KIDS RECS    KIDS processes append RECS 100-byte records each to one O_APPEND file: every record
 *                           must be there once and whole.
 *   fsx readdir N ROUNDS    N files stay while another process creates and unlinks others; each of ROUNDS
 *                           directory reads must list each of the N exactly once.
 *
 * The same SEED prints the same lines on any filesystem with POSIX semantics: the test runs it in the 9P mount
 * and in a tmpfs of the guest's own and compares. Built on the host with gcc -static (the guest has no compiler).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t st;
static uint64_t rnd(void) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return st; }
static uint64_t rn(uint64_t n) { return n ? rnd() % n : 0; }
static uint32_t crc(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}
#define NF 6
static const char *names[NF] = {"f0", "f1", "f2", "d0/f3", "d0/f4", "d1/f5"};
static unsigned char *buf;
#define MAXLEN (3u << 20)
#define MAXSZ (6u << 20)

static uint64_t sizes[] = {1, 7, 511, 4096, 8191, 8192, 8193, 65536 - 24, 65536, 65537, 131072 + 5,
                           524288 - 24, 524288, 524289, 1048576 + 3, 2097152 - 1};
static uint64_t pick_len(void) {
    uint64_t s = sizes[rn(sizeof sizes / sizeof sizes[0])];
    if (rn(3) == 0) s = 1 + rn(MAXLEN);
    return s;
}
static uint64_t pick_off(void) {
    switch (rn(4)) {
    case 0: return 0;
    case 1: return rn(MAXSZ);
    case 2: return (rn(64) * 8192) + rn(3) - 1 + 1;
    default: return rn(MAXSZ / 4096) * 4096;
    }
}
static void res(long op, const char *what, long r) {
    if (r < 0) printf("%ld %s = -1 %s\n", op, what, strerrorname_np(errno));
    else printf("%ld %s = %ld\n", op, what, r);
}
static void fill(long op, size_t n) {
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)((op * 131 + i * 7 + (i >> 9)) | 1);
}

static void dump(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("STATE %s opendir %s\n", dir, strerrorname_np(errno)); return; }
    char *ents[512]; int n = 0; struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        ents[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (strcmp(ents[i], ents[j]) > 0) { char *t = ents[i]; ents[i] = ents[j]; ents[j] = t; }
    for (int i = 0; i < n; i++) {
        char p[4096]; snprintf(p, sizeof p, "%s/%s", dir, ents[i]);
        struct stat s;
        if (lstat(p, &s) < 0) { printf("STATE %s lstat %s\n", p, strerrorname_np(errno)); continue; }
        if (S_ISDIR(s.st_mode)) { printf("STATE %s dir %u:%u %o\n", p, s.st_uid, s.st_gid, s.st_mode & 07777); dump(p); continue; }
        uint32_t h = 0; long got = -2;
        int fd = open(p, O_RDONLY);
        if (fd >= 0) {
            unsigned char *all = malloc(s.st_size + 1); got = 0;
            while (got < s.st_size) { ssize_t r = pread(fd, all + got, s.st_size - got, got); if (r <= 0) break; got += r; }
            h = crc(all, got); free(all); close(fd);
        }
        printf("STATE %s reg %u:%u %o nlink=%lu size=%ld read=%ld crc=%08x\n", p, s.st_uid, s.st_gid, s.st_mode & 07777, (unsigned long)s.st_nlink,
               (long)s.st_size, got, h);
        free(ents[i]);
    }
}

static int readdir_check(int stable, int rounds) {
    mkdir("rd", 0755);
    char p[256];
    for (int i = 0; i < stable; i++) { snprintf(p, sizeof p, "rd/stable-%04d-%s", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); close(open(p, O_CREAT | O_WRONLY, 0644)); }
    pid_t c = fork();
    if (c == 0) {
        for (long i = 0;; i++) { snprintf(p, sizeof p, "rd/churn-%ld", i % 97); int fd = open(p, O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); snprintf(p, sizeof p, "rd/churn-%ld", (i + 50) % 97); unlink(p); }
    }
    int bad = 0;
    unsigned char *seen = calloc(stable, 1);
    for (int r = 0; r < rounds; r++) {
        memset(seen, 0, stable);
        DIR *d = opendir("rd"); struct dirent *e; long total = 0;
        while ((e = readdir(d))) {
            total++;
            int i;
            if (sscanf(e->d_name, "stable-%d-", &i) == 1 && i >= 0 && i < stable) {
                if (seen[i]++) { printf("readdir round %d: %s twice\n", r, e->d_name); bad++; }
            }
        }
        closedir(d);
        for (int i = 0; i < stable; i++) if (!seen[i]) { printf("readdir round %d: stable-%04d missing (total %ld)\n", r, i, total); bad++; }
    }
    kill(c, 9); waitpid(c, 0, 0);
    printf("readdir-check stable=%d rounds=%d bad=%d\n", stable, rounds, bad);
    return bad != 0;
}

static int append_check(int kids, int recs) {
    int fd0 = open("app", O_CREAT | O_TRUNC | O_WRONLY, 0644); close(fd0);
    for (int k = 0; k < kids; k++) if (fork() == 0) {
        int fd = open("app", O_WRONLY | O_APPEND);
        char r[100];
        for (int j = 0; j < recs; j++) { memset(r, 'a' + k, sizeof r); snprintf(r, sizeof r, "k%d r%05d ", k, j); r[strlen(r)] = 'a' + k; r[99] = '\n';
            if (write(fd, r, 100) != 100) { printf("append write failed %s\n", strerrorname_np(errno)); _exit(1); } }
        _exit(0);
    }
    for (int k = 0; k < kids; k++) wait(0);
    struct stat s; stat("app", &s);
    int fd = open("app", O_RDONLY); char *all = malloc(s.st_size + 1); long got = 0;
    while (got < s.st_size) { ssize_t r = read(fd, all + got, s.st_size - got); if (r <= 0) break; got += r; }
    int bad = 0; int *seen = calloc(kids * recs, sizeof(int));
    for (long o = 0; o + 100 <= got; o += 100) { int k, j; if (sscanf(all + o, "k%d r%d", &k, &j) != 2 || k < 0 || k >= kids || j < 0 || j >= recs || all[o + 99] != '\n') { bad++; continue; } seen[k * recs + j]++; }
    for (int i = 0; i < kids * recs; i++) if (seen[i] != 1) bad++;
    printf("append-check kids=%d recs=%d size=%ld expected=%d bad=%d\n", kids, recs, (long)s.st_size, kids * recs * 100, bad);
    return bad != 0;
}

int main(int argc, char **argv) {
    if (!strcmp(argv[1], "append")) return append_check(atoi(argv[2]), atoi(argv[3]));
    if (!strcmp(argv[1], "readdir")) return readdir_check(atoi(argv[2]), atoi(argv[3]));
    st = strtoull(argv[1], 0, 10) * 2654435761u + 1;
    long nops = atol(argv[2]);
    int mm = argc > 3 && atoi(argv[3]);
    buf = malloc(MAXLEN + 16);
    mkdir("d0", 0755); mkdir("d1", 0755);
    int fds[NF]; for (int i = 0; i < NF; i++) fds[i] = -1;
    for (long op = 0; op < nops; op++) {
        int f = rn(NF), g = rn(NF); char w[256];
        unsigned k = rn(mm ? 22 : 20);
        uint64_t off = pick_off(), len = pick_len();
        switch (k) {
        case 0: case 1: case 2: case 3: { /* pwrite via a fresh fd */
            int fd = open(names[f], O_WRONLY | O_CREAT, 0644);
            if (fd < 0) { res(op, "open-w", -1); break; }
            fill(op, len); long r = pwrite(fd, buf, len, off);
            snprintf(w, sizeof w, "pwrite %s %lu %lu", names[f], (unsigned long)off, (unsigned long)len); res(op, w, r);
            close(fd); break; }
        case 4: { /* O_APPEND */
            int fd = open(names[f], O_WRONLY | O_APPEND | O_CREAT, 0644);
            if (fd < 0) { res(op, "open-a", -1); break; }
            len = len % 200000 + 1; fill(op, len); long r = write(fd, buf, len);
            off_t end = lseek(fd, 0, SEEK_CUR);
            snprintf(w, sizeof w, "append %s %lu end=%ld", names[f], (unsigned long)len, (long)end); res(op, w, r);
            close(fd); break; }
        case 5: case 6: { /* read and checksum */
            int fd = open(names[f], O_RDONLY);
            if (fd < 0) { snprintf(w, sizeof w, "open-r %s", names[f]); res(op, w, -1); break; }
            long r = pread(fd, buf, len, off);
            snprintf(w, sizeof w, "pread %s %lu %lu crc=%08x", names[f], (unsigned long)off, (unsigned long)len, r > 0 ? crc(buf, r) : 0);
            res(op, w, r); close(fd); break; }
        case 7: { off = rn(MAXSZ); snprintf(w, sizeof w, "truncate %s %lu", names[f], (unsigned long)off); res(op, w, truncate(names[f], off)); break; }
        case 8: { /* ftruncate on a kept-open fd, then write through it */
            if (fds[f] < 0) fds[f] = open(names[f], O_RDWR | O_CREAT, 0600);
            off = rn(MAXSZ / 2);
            snprintf(w, sizeof w, "ftruncate %s %lu", names[f], (unsigned long)off); res(op, w, ftruncate(fds[f], off));
            break; }
        case 9: { /* write through the kept-open fd */
            if (fds[f] < 0) fds[f] = open(names[f], O_RDWR | O_CREAT, 0600);
            fill(op, len); snprintf(w, sizeof w, "kept-pwrite %s %lu %lu", names[f], (unsigned long)off, (unsigned long)len);
            res(op, w, pwrite(fds[f], buf, len, off)); break; }
        case 10: { snprintf(w, sizeof w, "link %s %s", names[f], names[g]); res(op, w, link(names[f], names[g])); break; }
        case 11: case 12: { snprintf(w, sizeof w, "rename %s %s", names[f], names[g]); res(op, w, rename(names[f], names[g])); break; }
        case 13: { snprintf(w, sizeof w, "unlink %s", names[f]); res(op, w, unlink(names[f])); break; }
        case 14: { struct stat s; int r = stat(names[f], &s);
            if (r == 0) snprintf(w, sizeof w, "stat %s size=%ld nlink=%lu mode=%o", names[f], (long)s.st_size, (unsigned long)s.st_nlink, s.st_mode & 07777);
            else snprintf(w, sizeof w, "stat %s", names[f]);
            res(op, w, r); break; }
        case 15: { if (fds[f] >= 0) { struct stat s; fstat(fds[f], &s);
                snprintf(w, sizeof w, "fstat-kept %s size=%ld nlink=%lu", names[f], (long)s.st_size, (unsigned long)s.st_nlink); res(op, w, 0);
                close(fds[f]); fds[f] = -1; } break; }
        case 16: { unsigned m = 0400 | rn(0777); snprintf(w, sizeof w, "chmod %s %o", names[f], m); res(op, w, chmod(names[f], m)); break; }
        case 17: { /* a hole's bytes read back as zeros: pread over the range and checksum */
            int fd = open(names[f], O_RDONLY);
            if (fd < 0) break;
            long r = pread(fd, buf, len, off);
            snprintf(w, sizeof w, "hole-read %s %lu %lu crc=%08x", names[f], (unsigned long)off, (unsigned long)len, r > 0 ? crc(buf, r) : 0);
            res(op, w, r); close(fd); break; }
        case 18: { int fd = open(names[f], O_RDWR);
            if (fd < 0) break;
            snprintf(w, sizeof w, "fsync %s", names[f]); res(op, w, fsync(fd)); close(fd); break; }
        case 19: { snprintf(w, sizeof w, "rename-dir d%d d%d/x", (int)rn(2), (int)rn(2));
            char a[8], b[8]; snprintf(a, 8, "d%d", (int)rn(2)); snprintf(b, 8, "d%d", (int)rn(2));
            int r = rename(a, b); snprintf(w, sizeof w, "rename-dir %s %s", a, b); res(op, w, r); if (r == 0) { mkdir(a, 0755); } break; }
        case 20: case 21: { /* mmap write + msync */
            int fd = open(names[f], O_RDWR);
            if (fd < 0) break;
            struct stat s; fstat(fd, &s);
            if (s.st_size == 0) { close(fd); break; }
            uint64_t o = rn(s.st_size), n = 1 + rn(s.st_size - o); if (n > 300000) n = 300000;
            uint64_t base = o & ~4095ul;
            unsigned char *p = mmap(0, o + n - base, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
            if (p == MAP_FAILED) { res(op, "mmap", -1); close(fd); break; }
            fill(op, n); memcpy(p + (o - base), buf, n);
            int r = msync(p, o + n - base, MS_SYNC); munmap(p, o + n - base);
            snprintf(w, sizeof w, "mmap-write %s %lu %lu", names[f], (unsigned long)o, (unsigned long)n); res(op, w, r);
            close(fd); break; }
        }
    }
    for (int i = 0; i < NF; i++) if (fds[i] >= 0) close(fds[i]);
    fflush(stdout);
    dump(".");
    return 0;
}
