package io.p9gate.audit.read;

import java.util.Locale;
import java.util.Optional;

/**
 * Linux errno names for the numbers records carry (9P2000.L sends Linux numbers, whatever the host). The audit
 * module cannot see the gateway's {@code Errno} enum, so the names are listed here once, in number order from 1
 * ({@code -} where Linux has no name of its own, only an alias); a gateway test keeps the two lists equal.
 */
public final class ErrnoNames {
    private static final String[] BY_NUMBER =
            ("EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK "
                            + "EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE "
                            + "EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM "
                            + "ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT "
                            + "- EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP "
                            + "EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ "
                            + "ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT "
                            + "ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH "
                            + "ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT "
                            + "ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM "
                            + "EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED "
                            + "EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON")
                    .split(" ");

    private ErrnoNames() {}

    /** {@code EACCES} for 13, {@code 0} for success, the number itself when Linux gives it no name. */
    public static String name(int errno) {
        if (errno >= 1 && errno <= BY_NUMBER.length && !BY_NUMBER[errno - 1].equals("-")) {
            return BY_NUMBER[errno - 1];
        }
        return Integer.toString(errno);
    }

    /** The number of {@code EDQUOT}, {@code edquot} or {@code 122}; empty for anything else. */
    public static Optional<Integer> parse(String text) {
        if (text.matches("[0-9]{1,4}")) {
            return Optional.of(Integer.parseInt(text));
        }
        String upper = text.toUpperCase(Locale.ROOT);
        for (int i = 0; i < BY_NUMBER.length; i++) {
            if (BY_NUMBER[i].equals(upper)) {
                return Optional.of(i + 1);
            }
        }
        return Optional.empty();
    }

    /** The highest number with a name: the gateway's test compares every number up to it. */
    public static int highest() {
        return BY_NUMBER.length;
    }
}
