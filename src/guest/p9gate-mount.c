/* p9gate-mount - mount a p9gate share inside a guest with the kernel's 9P fd transport.
 *
 * The Linux 9P client has no vsock or virtio-serial transport of its own, but `trans=fd` takes any file the
 * kernel can read and write.  This helper opens the channel to the gateway, hands it to the kernel and mounts:
 *
 *   p9gate-mount --vsock CID:PORT [-o OPTIONS] MOUNTPOINT     the host's vsock listener (vsock:CID:PORT)
 *   p9gate-mount --port NAME      [-o OPTIONS] MOUNTPOINT     a virtio-serial port wired by the VMM to the VM's
 *                                                             unix socket on the host (unix:PATH)
 *
 * vsock: the connected socket itself is the transport's fd (a socket has read_iter/write_iter and one wait queue,
 * exactly what trans=fd needs), so no process stays behind.
 *
 * virtio-serial: the port cannot be handed to the kernel directly (virtio_console has no read_iter/write_iter:
 * EINVAL, "kernel write not supported"), and a pipe pair stalls on frames over 64 KiB (trans=fd polls at most two
 * wait queues and a pipe registers two).  So the kernel gets one end of a Unix socketpair, and a small relay
 * process, detached from the caller's session, copies bytes between the other end and the port until either side
 * closes (the unmount closes the kernel's end).
 *
 * The mount is made with mount(2) directly, with the options `mount -t 9p -o trans=fd,rfdno=N,wfdno=N,...` would
 * pass: the helper is static and needs no mount(8) in the guest, and a refusal is reported with its errno.
 *
 * Exit status: 0 mounted, 1 the channel or the mount failed (one line on stderr), 2 usage.
 * Built by build-p9gate-mount.sh (gcc -static) and shipped as share/p9gate/guest/p9gate-mount.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define PROG "p9gate-mount"
#define EXIT_FAILED 1
#define EXIT_USAGE 2
/* The largest 9P frame the fd transport allows (it caps msize at 1 MiB): one frame per copy and per socket buffer. */
#define FRAME_MAX (1 << 20)

static const char USAGE[] =
    "usage: " PROG " (--vsock CID:PORT | --port NAME) [-o OPTIONS] [--source NAME] [--verbose] MOUNTPOINT\n"
    "\n"
    "Mounts a p9gate share with the Linux 9P client's fd transport (trans=fd).\n"
    "\n"
    "  --vsock CID:PORT  connect over vsock to the gateway's vsock:CID:PORT listener (the host is CID 2)\n"
    "  --port NAME       use the virtio-serial port NAME (/dev/virtio-ports/NAME, or found by name in\n"
    "                    /sys/class/virtio-ports when there is no udev), or a device path containing '/'\n"
    "  -o OPTIONS        9P mount options, comma separated: aname=SHARE, msize=N, cache=..., access=..., and\n"
    "                    ro, nosuid, nodev, noexec, noatime, sync, dirsync (version=9p2000.L unless given);\n"
    "                    trans, rfdno and wfdno are set by " PROG "\n"
    "  --source NAME     the mount's source as /proc/mounts shows it (default p9gate)\n"
    "  --verbose         print the mount(2) call made\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 mounted, 1 the channel or the mount failed, 2 usage.\n";

static void fail(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static void usage_error(const char *fmt, const char *arg) {
    fputs(PROG ": ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (" PROG " --help)\n", stderr);
    exit(EXIT_USAGE);
}

/* Mount options that are flags to mount(2), not text for the 9P client (which would silently ignore them). */
static const struct {
    const char *name;
    unsigned long set;
    unsigned long clear;
} FLAG_OPTIONS[] = {
    {"ro", MS_RDONLY, 0},       {"rw", 0, MS_RDONLY},         {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},     {"nodev", MS_NODEV, 0},       {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},   {"exec", 0, MS_NOEXEC},       {"noatime", MS_NOATIME, 0},
    {"relatime", MS_RELATIME, 0}, {"sync", MS_SYNCHRONOUS, 0}, {"dirsync", MS_DIRSYNC, 0},
};

struct mount_options {
    unsigned long flags;
    char data[PATH_MAX];  /* the 9P client's part, without trans/rfdno/wfdno */
    int has_version;
};

static void append(char *buf, size_t size, const char *item) {
    size_t used = strlen(buf);
    if (used + strlen(item) + 2 > size) {
        usage_error("mount options too long: %s", item);
    }
    if (used > 0) {
        strcat(buf, ",");
    }
    strcat(buf, item);
}

/* Splits -o into mount(2) flags and the 9P client's options; refuses what the helper must set itself. */
static void parse_options(const char *text, struct mount_options *out) {
    char copy[PATH_MAX];
    if (strlen(text) >= sizeof copy) {
        usage_error("mount options too long: %s", text);
    }
    strcpy(copy, text);
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        size_t key = strcspn(item, "=");
        if ((key == 5 && strncmp(item, "trans", 5) == 0) || (key == 5 && strncmp(item, "rfdno", 5) == 0)
            || (key == 5 && strncmp(item, "wfdno", 5) == 0)) {
            usage_error("-o %s: trans, rfdno and wfdno are set by " PROG, item);
        }
        int is_flag = 0;
        for (size_t i = 0; i < sizeof FLAG_OPTIONS / sizeof FLAG_OPTIONS[0]; i++) {
            if (strcmp(item, FLAG_OPTIONS[i].name) == 0) {
                out->flags = (out->flags | FLAG_OPTIONS[i].set) & ~FLAG_OPTIONS[i].clear;
                is_flag = 1;
            }
        }
        if (!is_flag) {
            out->has_version |= key == 7 && strncmp(item, "version", 7) == 0;
            append(out->data, sizeof out->data, item);
        }
    }
}

static int connect_vsock(const char *spec) {
    char *end;
    errno = 0;
    unsigned long cid = strtoul(spec, &end, 10);
    if (end == spec || *end != ':' || errno || cid > UINT_MAX) {
        usage_error("--vsock %s: expected CID:PORT (the host is CID 2)", spec);
    }
    const char *port_text = end + 1;
    unsigned long port = strtoul(port_text, &end, 10);
    if (end == port_text || *end || errno || port > UINT_MAX) {
        usage_error("--vsock %s: expected CID:PORT (the host is CID 2)", spec);
    }
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(EXIT_FAILED, "vsock %s: no vsock in this guest (socket: %s; is the vmw_vsock_virtio_transport module "
             "loaded and does the VM have a vsock device?)", spec, strerror(errno));
    }
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = (unsigned)cid, .svm_port = (unsigned)port};
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fail(EXIT_FAILED, "vsock %s: cannot connect: %s (is the gateway listening on vsock:...:%lu?)", spec,
             strerror(errno), port);
    }
    return fd;
}

/* The device of the virtio-serial port named NAME: udev's symlink, else a search of sysfs by name. */
static void find_port(const char *name, char *path, size_t size) {
    if (strchr(name, '/')) {
        snprintf(path, size, "%s", name);
        return;
    }
    snprintf(path, size, "/dev/virtio-ports/%s", name);
    if (access(path, F_OK) == 0) {
        return;
    }
    DIR *ports = opendir("/sys/class/virtio-ports");
    if (!ports) {
        fail(EXIT_FAILED, "port %s: no virtio-serial ports in this guest (no /dev/virtio-ports/%s, no "
             "/sys/class/virtio-ports: is virtio_console loaded?)", name, name);
    }
    for (struct dirent *d; (d = readdir(ports));) {
        char file[PATH_MAX], found[256] = "";
        snprintf(file, sizeof file, "/sys/class/virtio-ports/%s/name", d->d_name);
        FILE *f = fopen(file, "r");
        if (!f) {
            continue;
        }
        if (fgets(found, sizeof found, f)) {
            found[strcspn(found, "\n")] = 0;
        }
        fclose(f);
        if (strcmp(found, name) == 0) {
            snprintf(path, size, "/dev/%s", d->d_name);
            closedir(ports);
            return;
        }
    }
    closedir(ports);
    fail(EXIT_FAILED, "port %s: no virtio-serial port with that name (the VMM names it: "
         "-device virtserialport,name=%s)", name, name);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies whatever is readable on `from` to `to`; 0 at end of stream or on an error. */
static int copy_available(int from, int to, char *buf) {
    ssize_t n;
    do {
        n = read(from, buf, FRAME_MAX);
    } while (n < 0 && errno == EINTR);
    return n > 0 && write_all(to, buf, (size_t)n) == 0;
}

/* The relay between the port and the kernel's socket: one process, both directions, until either side ends. */
static void relay(int port, int sock) {
    static char buf[FRAME_MAX];
    struct pollfd fds[2] = {{.fd = port, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[0].revents && !copy_available(port, sock, buf)) {
            break;  /* the host side closed (the gateway ended the session or the VMM went away) */
        }
        if (fds[1].revents && !copy_available(sock, port, buf)) {
            break;  /* the kernel closed its end: unmounted */
        }
    }
    shutdown(sock, SHUT_RDWR);  /* the kernel sees the end of its connection at once */
    _exit(0);
}

/*
 * Starts the relay in its own session with /dev/null as stdio: it must outlive this command, and must not hold
 * the caller's terminal or output pipe open (a `$(p9gate-mount ...)` would never end).
 */
static pid_t start_relay(int port, int relay_end, int kernel_end) {
    pid_t pid = fork();
    if (pid < 0) {
        fail(EXIT_FAILED, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(kernel_end);
        setsid();
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            if (null > 2) {
                close(null);
            }
        }
        if (chdir("/") != 0) {
            _exit(1);
        }
        signal(SIGHUP, SIG_IGN);
        relay(port, relay_end);
    }
    return pid;
}

static int open_port(const char *name, pid_t *relay_pid) {
    char path[PATH_MAX];
    find_port(name, path, sizeof path);
    int port = open(path, O_RDWR | O_CLOEXEC);
    if (port < 0) {
        fail(EXIT_FAILED, "port %s: cannot open %s: %s%s", name, path, strerror(errno),
             errno == EBUSY ? " (a virtio-serial port opens once: another process, maybe a mount of it, holds it)" : "");
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        fail(EXIT_FAILED, "socketpair: %s", strerror(errno));
    }
    int size = FRAME_MAX;  /* a whole frame fits: fewer wakeups per message at large msize */
    for (int i = 0; i < 2; i++) {
        setsockopt(pair[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        setsockopt(pair[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    *relay_pid = start_relay(port, pair[1], pair[0]);
    close(pair[1]);
    close(port);
    return pair[0];
}

int main(int argc, char **argv) {
    const char *vsock = NULL, *port = NULL, *source = "p9gate", *mountpoint = NULL;
    struct mount_options options = {0};
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(a, "--vsock") == 0 && has_value) {
            vsock = argv[++i];
        } else if (strcmp(a, "--port") == 0 && has_value) {
            port = argv[++i];
        } else if (strcmp(a, "-o") == 0 && has_value) {
            parse_options(argv[++i], &options);
        } else if (strcmp(a, "--source") == 0 && has_value) {
            source = argv[++i];
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = 1;
        } else if (a[0] == '-') {
            int wants_value = strcmp(a, "--vsock") == 0 || strcmp(a, "--port") == 0 || strcmp(a, "-o") == 0
                              || strcmp(a, "--source") == 0;
            usage_error(wants_value ? "%s needs a value" : "unknown option %s", a);
        } else if (mountpoint) {
            usage_error("one mount point only, also got %s", a);
        } else {
            mountpoint = a;
        }
    }
    if ((vsock == NULL) == (port == NULL)) {
        usage_error("%s", "give exactly one of --vsock CID:PORT or --port NAME");
    }
    if (!mountpoint) {
        usage_error("%s", "no mount point");
    }
    struct stat st;
    if (stat(mountpoint, &st) != 0) {
        fail(EXIT_FAILED, "mount point %s: %s", mountpoint, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        fail(EXIT_FAILED, "mount point %s: not a directory", mountpoint);
    }

    pid_t relay_pid = 0;
    int fd = vsock ? connect_vsock(vsock) : open_port(port, &relay_pid);
    char data[PATH_MAX + 64];
    snprintf(data, sizeof data, "trans=fd,rfdno=%d,wfdno=%d%s%s%s", fd, fd,
             options.has_version ? "" : ",version=9p2000.L", options.data[0] ? "," : "", options.data);
    if (verbose) {
        fprintf(stderr, PROG ": mount(\"%s\", \"%s\", \"9p\", 0x%lx, \"%s\")\n", source, mountpoint, options.flags,
                data);
    }
    if (mount(source, mountpoint, "9p", options.flags, data) != 0) {
        int err = errno;
        if (relay_pid > 0) {
            kill(relay_pid, SIGTERM);
        }
        fail(EXIT_FAILED, "mount %s on %s: %s%s", vsock ? vsock : port, mountpoint, strerror(err),
             err == EACCES || err == EPERM ? " (refused by the gateway's policy, or not root)"
             : err == ENODEV ? " (no 9p filesystem: load the 9p and 9pnet_fd modules)" : "");
    }
    close(fd);  /* the mount holds its own reference */
    return 0;
}
