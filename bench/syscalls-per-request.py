#!/usr/bin/env python3
"""syscalls-per-request.py TRACE SOCKFD - the server's system calls per 9P request type, from an
`strace -f -ttt -s 24 -x` of every server thread while a client sent one request at a time
(bench/count-syscalls.sh). A request's calls are those from its arrival (the read of SOCKFD that
returns it) to its reply (the next send on SOCKFD), on every thread; the reply itself is counted.
Columns: all calls per request, and the file-system, xattr and audit-log calls among them (not
futex, epoll, the event loop's eventfd wake-up, timers, memory or the reply)."""
import collections
import re
import sys

TYPES = {100: 'Tversion', 104: 'Tattach', 110: 'Twalk', 120: 'Tclunk', 14: 'Tlcreate', 12: 'Tlopen',
         24: 'Tgetattr', 76: 'Tunlinkat', 72: 'Tmkdir', 122: 'Tremove', 26: 'Tsetattr', 116: 'Tread',
         118: 'Twrite'}
LINE = re.compile(r'^(\d+)\s+[\d.]+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$')
DATA = re.compile(r'"((?:\\x[0-9a-f]{2})+)')
# Netty's event loop is woken through an eventfd: an 8-byte write of the counter 1.
WAKEUP = re.compile(r'\d+, "\\x01(\\x00){7}", 8')
NOT_FS = {'futex', 'epoll_pwait2', 'epoll_pwait', 'epoll_wait', 'epoll_ctl', 'reply', 'wake-up', 'getrusage',
          'clock_gettime', 'clock_nanosleep', 'nanosleep', 'mmap', 'munmap', 'mprotect', 'madvise',
          'sched_getaffinity', 'sched_yield', 'gettid', 'rt_sigprocmask', 'rt_sigreturn', 'restart_syscall',
          'sysinfo'}
READS = ('recvfrom', 'read')
SENDS = ('sendto', 'write', 'writev', 'sendmsg')


def request_type(data):
    raw = bytes(int(h, 16) for h in data.split('\\x')[1:])
    if len(raw) < 5:
        return None
    if raw[4] == 110 and len(raw) >= 17:  # Twalk: by its number of names (a clone walks none)
        return 'Twalk/%d' % int.from_bytes(raw[15:17], 'little')
    return TYPES.get(raw[4], 'T%d' % raw[4])


def main(path, sock):
    pending = set()  # threads whose read of the socket is unfinished: the request comes with its resumption
    current = None
    calls = collections.defaultdict(collections.Counter)
    seen = collections.Counter()
    with open(path) as trace:
        for line in trace:
            m = LINE.match(line)
            if not m:
                continue
            tid, resumed, name, rest = m.groups()
            arrived = None
            if resumed:
                if resumed in READS and tid in pending:
                    pending.discard(tid)
                    d = DATA.search(rest)
                    arrived = request_type(d.group(1)) if d else None
                if not arrived:
                    continue
            elif name in READS and rest.startswith(sock + ','):
                if rest.rstrip().endswith('<unfinished ...>'):
                    pending.add(tid)
                    continue
                d = DATA.search(rest)
                arrived = request_type(d.group(1)) if d else None
                if not arrived:
                    continue
            if arrived:
                current = arrived
                seen[current] += 1
                continue
            if name in SENDS and rest.startswith(sock + ','):
                if current:
                    calls[current]['reply'] += 1
                current = None
                continue
            if current:
                calls[current]['wake-up' if name == 'write' and WAKEUP.match(rest) else name] += 1
    print('%-10s %6s %6s %6s  %s' % ('request', 'n', 'all', 'fs', 'file-system calls per request'))
    for kind in sorted(seen):
        c, n = calls[kind], seen[kind]
        fs = {k: v for k, v in c.items() if k not in NOT_FS}
        print('%-10s %6d %6.2f %6.2f  %s' % (kind, n, sum(c.values()) / n, sum(fs.values()) / n,
              ', '.join('%s %.2f' % (k, v / n) for k, v in sorted(fs.items(), key=lambda x: -x[1]))))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('\n')[0])
    main(sys.argv[1], sys.argv[2])
