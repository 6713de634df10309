package io.p9gate.gateway.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 9P2000 client learns the errno from Rerror's text alone: the Linux client looks the text up in its table of
 * strerror texts (net/9p/error.c) and takes ESERVERFAULT for a text it does not know. So each errno the gateway
 * answers with must be spelled as glibc's strerror spells it (the texts below, written out from strerror(3)).
 */
class ErrnoTextTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "EPERM|Operation not permitted",
                "ENOENT|No such file or directory",
                "EIO|Input/output error",
                "ENXIO|No such device or address",
                "EBADF|Bad file descriptor",
                "EAGAIN|Resource temporarily unavailable",
                "ENOMEM|Cannot allocate memory",
                "EACCES|Permission denied",
                "EBUSY|Device or resource busy",
                "EEXIST|File exists",
                "EXDEV|Invalid cross-device link",
                "ENOTDIR|Not a directory",
                "EISDIR|Is a directory",
                "EINVAL|Invalid argument",
                "ENFILE|Too many open files in system",
                "EMFILE|Too many open files",
                "ETXTBSY|Text file busy",
                "EFBIG|File too large",
                "ENOSPC|No space left on device",
                "EROFS|Read-only file system",
                "EMLINK|Too many links",
                "ERANGE|Numerical result out of range",
                "EDEADLK|Resource deadlock avoided",
                "ENAMETOOLONG|File name too long",
                "ENOLCK|No locks available",
                "ENOSYS|Function not implemented",
                "ENOTEMPTY|Directory not empty",
                "ELOOP|Too many levels of symbolic links",
                "ENODATA|No data available",
                "EPROTO|Protocol error",
                "EBADMSG|Bad message",
                "EPROTONOSUPPORT|Protocol not supported",
                "EOPNOTSUPP|Operation not supported",
                "EDQUOT|Disk quota exceeded",
            })
    void rerrorsTextIsTheOneAPlain9P2000ClientMapsBack(Errno errno, String strerror) {
        assertEquals(strerror, errno.description());
    }

    /**
     * Every errno, and so every one the host's calls may fail with, reaches a 9P2000 client as one it knows by text:
     * the Linux client takes ESERVERFAULT for any other (LegacyErrorTextAttackTest).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Errno.class)
    void aPlain9P2000ClientIsToldAnErrnoItKnowsByText(Errno errno) {
        Errno told = errno.toldByTextAlone();
        assertEquals(told.code(), LinuxClientTexts.ERRNOS.get(told.description()), errno + " told as " + told);
        if (LinuxClientTexts.ERRNOS.containsValue(errno.code())) {
            assertEquals(errno, told, "an errno the client knows is told as itself");
        }
    }
}
