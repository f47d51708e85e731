/*
 * A power-loss simulation for the crash tests, loaded with LD_PRELOAD.
 *
 * A killed process keeps everything it wrote in the kernel's page cache, so SIGKILL alone cannot
 * show that a store survives power loss. This shim keeps a second copy of the watched directory,
 * the "durable images": the state a disk would hold after the power went out. Each successful
 * fsync or fdatasync of a regular file in the watched directory copies the file's whole current
 * content to its image (into a temporary file, then renamed, so a kill in the middle of the copy
 * leaves the previous image). The copy is taken before the call returns, so whatever the caller
 * acknowledges after a sync is in the image. The test kills the process, then replaces the
 * watched directory's files by their images (tests/power_loss/harness.rs).
 *
 * Simplifications, each on the side of the rules SQLite and the store rely on:
 * - Nothing written without a sync survives; a file never synced does not exist afterwards.
 *   (A real disk may keep some unsynced writes, in any order; losing all of them is one of the
 *   outcomes it allows.)
 * - Directories are not modelled: fsync of a directory is passed through, and a file with an
 *   image exists after the loss whether or not its directory entry was synced. An unlink or
 *   rename is not tracked either: the image of an unlinked file comes back, as it may when the
 *   power goes before the directory reaches the disk.
 * - sync(), syncfs(), sync_file_range() and files opened with O_SYNC/O_DSYNC are not modelled:
 *   the first three are logged as "unmodelled" (the tests fail on such a line); SQLite and the
 *   store use none of them.
 *
 * Environment:
 *   GROUNDWORK_POWER_LOSS_DIR     the watched directory (absolute, canonical; direct children only)
 *   GROUNDWORK_POWER_LOSS_IMAGES  where the images go (outside the watched directory)
 *   GROUNDWORK_POWER_LOSS_LOG     appended one line per image written ("image fsync NAME BYTES")
 *                                 or per call the model does not cover ("unmodelled ...")
 *   GROUNDWORK_POWER_LOSS_SYNC_DELAY_US  optional: each modelled sync first waits this long, as
 *                                 a slow flash disk does, which widens the window in which
 *                                 written data is not yet durable (so kills land in it)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_syncfs)(int);
static void (*real_sync)(void);
static int (*real_sync_file_range)(int, off64_t, off64_t, unsigned int);

static const char *watched;
static size_t watched_len;
static const char *images;
static const char *log_path;
static long delay_us;

/* One copy at a time per process: two threads syncing the same file must not race on its image. */
static pthread_mutex_t copy_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void init(void) {
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_syncfs = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
    real_sync = (void (*)(void))dlsym(RTLD_NEXT, "sync");
    real_sync_file_range =
        (int (*)(int, off64_t, off64_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
    watched = getenv("GROUNDWORK_POWER_LOSS_DIR");
    images = getenv("GROUNDWORK_POWER_LOSS_IMAGES");
    log_path = getenv("GROUNDWORK_POWER_LOSS_LOG");
    const char *delay = getenv("GROUNDWORK_POWER_LOSS_SYNC_DELAY_US");
    delay_us = delay ? strtol(delay, NULL, 10) : 0;
    if (watched && images) {
        watched_len = strlen(watched);
        while (watched_len > 1 && watched[watched_len - 1] == '/') watched_len--;
    } else {
        watched = NULL;
    }
}

/* One line, in one write() on an O_APPEND file, so lines from several threads or processes do not
 * interleave. */
static void log_line(const char *fmt, ...) {
    if (!log_path) return;
    char line[PATH_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    if ((size_t)n >= sizeof line) n = sizeof line - 1;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t ignored = write(fd, line, (size_t)n);
    (void)ignored;
    close(fd);
}

/* The name of `fd`'s file if it is a regular file directly in the watched directory, else NULL. */
static const char *watched_name(int fd, char *path, size_t size) {
    if (!watched) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, size - 1);
    if (n <= 0) return NULL;
    path[n] = '\0';
    if (strncmp(path, watched, watched_len) != 0 || path[watched_len] != '/') return NULL;
    const char *name = path + watched_len + 1;
    if (strchr(name, '/')) {
        log_line("unmodelled subdirectory %s\n", path);
        return NULL;
    }
    /* An unlinked file's content cannot survive anything. */
    if (st.st_nlink == 0) return NULL;
    return name;
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Copies fd's file to its image. It reads through fd itself with pread (the file offset stays
 * where the caller left it): opening the file again and closing that descriptor would drop the
 * process's POSIX locks on it, which SQLite holds. A write-only fd cannot be read that way; it is
 * reopened read-only through /proc (such files carry no locks here).
 */
static void copy_to_image(int fd, const char *name, const char *call) {
    char tmp[PATH_MAX], dest[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.tmp-%d-%ld-%s", images, (int)getpid(), (long)syscall(SYS_gettid),
             name);
    snprintf(dest, sizeof dest, "%s/%s", images, name);
    int src = fd;
    int accmode = fcntl(fd, F_GETFL) & O_ACCMODE;
    if (accmode == O_WRONLY) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        src = open(link, O_RDONLY | O_CLOEXEC);
        if (src < 0) {
            log_line("unmodelled unreadable %s\n", name);
            return;
        }
    }
    struct stat st;
    mode_t mode = fstat(fd, &st) == 0 ? (st.st_mode & 0777) : 0600;
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        log_line("unmodelled cannot-write-image %s\n", name);
        if (src != fd) close(src);
        return;
    }
    static char buf[1 << 16];
    off_t off = 0;
    int ok = 1;
    for (;;) {
        ssize_t n = pread(src, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { ok = 0; break; }
        if (n == 0) break;
        if (write_all(out, buf, (size_t)n) != 0) { ok = 0; break; }
        off += n;
    }
    close(out);
    if (src != fd) close(src);
    if (ok && rename(tmp, dest) == 0) {
        log_line("image %s %s %lld\n", call, name, (long long)off);
    } else {
        unlink(tmp);
        log_line("unmodelled copy-failed %s\n", name);
    }
}

static void slow_disk(void) {
    if (delay_us <= 0) return;
    struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int modelled_sync(int fd, int (*real)(int), const char *call) {
    char path[PATH_MAX];
    const char *name = watched_name(fd, path, sizeof path);
    if (!name) return real(fd);
    slow_disk();
    int rc = real(fd);
    if (rc != 0) return rc;
    int saved = errno;
    pthread_mutex_lock(&copy_lock);
    copy_to_image(fd, name, call);
    pthread_mutex_unlock(&copy_lock);
    errno = saved;
    return rc;
}

int fsync(int fd) { return modelled_sync(fd, real_fsync, "fsync"); }

int fdatasync(int fd) { return modelled_sync(fd, real_fdatasync, "fdatasync"); }

int syncfs(int fd) {
    if (watched) log_line("unmodelled syncfs\n");
    return real_syncfs(fd);
}

void sync(void) {
    if (watched) log_line("unmodelled sync\n");
    real_sync();
}

int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags) {
    char path[PATH_MAX];
    if (watched_name(fd, path, sizeof path)) log_line("unmodelled sync_file_range\n");
    return real_sync_file_range(fd, offset, nbytes, flags);
}
