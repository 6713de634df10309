/*
 * mmap-reload-helper FILE READY GO: for GuestHostileIT's cache=mmap run.  Maps FILE shared and writable, writes
 * "before" and msyncs, creates READY, waits (at most 120 s) for GO to exist (the host has made FILE read-only by
 * then), writes "AFTER!" into the map and msyncs, fsyncs, unmaps, write(2)s and closes.  Prints "@@ STEP WORD",
 * WORD = OK or the errno's name.  Compiled on the HOST with `gcc -static -O2` and added with --add-bin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void mark(const char *step, long result) {
    const char *word = result < 0 ? strerrorname_np(errno) : "OK";
    printf("@@ %s %s\n", step, word ? word : "E?");
    fflush(stdout);
}

static int await(const char *path, int seconds) {
    struct stat st;
    for (int i = 0; i < seconds * 20; i++) {
        if (stat(path, &st) == 0) return 1;
        usleep(50000);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    int fd = open(argv[1], O_RDWR);
    mark("mmap-open", fd);
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    mark("mmap-map", map == MAP_FAILED ? -1 : 0);
    if (fd < 0 || map == MAP_FAILED) return 1;
    memcpy(map, "before", 6);
    mark("mmap-msync-before", msync(map, 4096, MS_SYNC));
    close(open(argv[2], O_CREAT | O_WRONLY, 0644));
    if (!await(argv[3], 120)) return 1;
    memcpy(map, "AFTER!", 6);
    mark("mmap-msync-after", msync(map, 4096, MS_SYNC));
    mark("mmap-fsync-after", fsync(fd));
    mark("mmap-munmap", munmap(map, 4096));
    mark("mmap-write-after", write(fd, "x", 1));
    mark("mmap-close", close(fd));
    return 0;
}
