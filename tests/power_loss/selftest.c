/*
 * The shim's self-test (run by tests/tests/power_loss.rs under the shim): writes that were synced
 * and writes that were not, then waits to be killed. After the simulated power loss the test
 * expects only the synced bytes. Usage: selftest DIR
 *
 *   synced    "A", fsync, "B"          -> "A"
 *   data      "C", fdatasync, "D"      -> "C"
 *   never     "X", never synced        -> gone
 *   existing  (the test's "old"), "new" appended without a sync -> "old"
 *
 * It also checks, while running, what a caller of the shim relies on: the file offset is where
 * the write left it after a sync (the shim reads with pread), and a POSIX lock on the file is
 * still held after a sync (the shim never closes a descriptor of a locked file; SQLite locks its
 * database this way). A failed check exits 2 with a message instead of printing "ready".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *what) {
    fprintf(stderr, "selftest: %s\n", what);
    exit(2);
}

static int open_in(const char *dir, const char *name, int flags) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, flags, 0644);
    if (fd < 0) fail("cannot open a file");
    return fd;
}

static void put(int fd, const char *s) {
    if (write(fd, s, strlen(s)) != (ssize_t)strlen(s)) fail("write failed");
}

int main(int argc, char **argv) {
    if (argc != 2) fail("usage: selftest DIR");
    const char *dir = argv[1];

    int synced = open_in(dir, "synced", O_RDWR | O_CREAT | O_TRUNC);
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(synced, F_SETLK, &lock) != 0) fail("cannot lock");
    put(synced, "A");
    if (fsync(synced) != 0) fail("fsync failed");
    if (lseek(synced, 0, SEEK_CUR) != 1) fail("fsync moved the file offset");
    put(synced, "B");
    pid_t child = fork();
    if (child == 0) {
        /* Another process asks whether it could lock the file: the parent's lock must still be
         * there. */
        struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        int fd = open_in(dir, "synced", O_RDWR);
        if (fcntl(fd, F_GETLK, &probe) != 0) _exit(3);
        _exit(probe.l_type == F_UNLCK ? 4 : 0);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("the POSIX lock was lost by the sync");

    int data = open_in(dir, "data", O_RDWR | O_CREAT | O_TRUNC);
    put(data, "C");
    if (fdatasync(data) != 0) fail("fdatasync failed");
    put(data, "D");

    int never = open_in(dir, "never", O_RDWR | O_CREAT | O_TRUNC);
    put(never, "X");

    int existing = open_in(dir, "existing", O_WRONLY | O_APPEND);
    put(existing, "new");

    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
