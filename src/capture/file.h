/* What capture.c and keys.c share: the checks a file must pass before
 * oakleyd writes decrypted traffic or keys into it, and the sentence that
 * says why it was refused.  Internal to src/capture/. */
#ifndef OAKLEY_CAPTURE_FILE_H
#define OAKLEY_CAPTURE_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/* Formats the reason into why (if any) and returns err (a -errno). */
int file_refuse(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A file we may write WHAT ("a capture", "keys") into: not a symbolic link
 * (-ELOOP), a regular file (-ENOTSUP), owned by root or by our own euid
 * (-EPERM), with one hard link (-EMLINK).  ST is what lstat or fstat saw
 * of PATH. */
int file_check(const char *path, const struct stat *st, const char *what, char *why, size_t whylen);

/* A directory we may write WHAT in: owned by root or our euid, and not
 * writable by group or others (-EPERM), not even with the sticky bit. */
int file_check_dir(const char *dir, const char *what, char *why, size_t whylen);
/* The same for the directory PATH is in. */
int file_check_parent(const char *path, const char *what, char *why, size_t whylen);

/* Creates DIR with mode 0700 unless it exists; its parent must exist. */
int file_mkdir(const char *dir, char *why, size_t whylen);

#endif
