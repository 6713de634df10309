/*
 * mapwrite-helper FILE OFF LEN CHAR: for append-mmap.sh (GuestAppendMmapIT).  Opens FILE O_RDWR, maps it shared and
 * writable, stores CHAR over [OFF, OFF + LEN) (within the file's size), msyncs (MS_SYNC), unmaps and closes.
 * Compiled on the HOST with `gcc -static -O2` and added with --add-bin.  Prints OK or STEP:ERRNAME; exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed(const char *step) {
    const char *name = strerrorname_np(errno);
    printf("%s:%s\n", step, name ? name : "E?");
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: mapwrite-helper FILE OFF LEN CHAR\n");
        return 2;
    }
    off_t off = strtoll(argv[2], NULL, 10);
    size_t len = strtoull(argv[3], NULL, 10);
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) return failed("open");
    struct stat st;
    if (fstat(fd, &st) < 0) return failed("fstat");
    char *map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return failed("mmap");
    memset(map + off, argv[4][0], len);
    if (msync(map, st.st_size, MS_SYNC) < 0) return failed("msync");
    if (munmap(map, st.st_size) < 0) return failed("munmap");
    if (close(fd) < 0) return failed("close");
    puts("OK");
    return 0;
}
