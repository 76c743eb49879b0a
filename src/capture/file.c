#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "capture/file.h"
#include "util/log.h"

int file_refuse(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

int file_check(const char *path, const struct stat *st, const char *what, char *why, size_t whylen)
{
	if (S_ISLNK(st->st_mode))
		return file_refuse(why, whylen, -ELOOP,
				   "%s is a symbolic link: refusing to write %s through it", path,
				   what);
	if (!S_ISREG(st->st_mode))
		return file_refuse(why, whylen, -ENOTSUP,
				   "%s is not a regular file: refusing to write %s to it", path,
				   what);
	/* Root's, or our own: oakleyd runs as root, and a test or an
	 * unprivileged run writes files of its own euid.  Anyone else's file
	 * could be read by its owner, or be a trap they set for us. */
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return file_refuse(
			why, whylen, -EPERM,
			"%s is owned by uid %u, neither root nor us: refusing to write %s "
			"to it",
			path, (unsigned)st->st_uid, what);
	/* Another name for the file may be in a place others can read. */
	if (st->st_nlink > 1)
		return file_refuse(why, whylen, -EMLINK,
				   "%s has %lu hard links: refusing to write %s to it", path,
				   (unsigned long)st->st_nlink, what);
	if (st->st_mode & 077)
		log_warn("%s is readable or writable by others (mode %04o): %s in it is not "
			 "private",
			 path, (unsigned)(st->st_mode & 07777), what);
	return 0;
}

int file_mkdir(const char *dir, char *why, size_t whylen)
{
	int err;

	if (mkdir(dir, 0700) == 0) {
		log_info("created the directory %s", dir);
		return 0;
	}
	err = errno;
	if (err == EEXIST)
		return 0;
	return file_refuse(why, whylen, -err, "cannot create the directory %s: %s", dir,
			   strerror(err));
}

/* Whoever may write a directory may swap the files in it between our
 * checks and our writes, or read what a new name would hold. */
int file_check_dir(const char *dir, const char *what, char *why, size_t whylen)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return file_refuse(why, whylen, -errno, "cannot examine the directory %s: %s", dir,
				   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return file_refuse(why, whylen, -ENOTDIR, "%s is not a directory", dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return file_refuse(why, whylen, -EPERM,
				   "the directory %s is owned by uid %u, neither root nor us: "
				   "refusing to write %s in it",
				   dir, (unsigned)st.st_uid, what);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return file_refuse(why, whylen, -EPERM,
				   "group or others may write the directory %s (mode %04o): "
				   "refusing to write %s in it (chmod go-w %s)",
				   dir, (unsigned)(st.st_mode & 07777), what, dir);
	return 0;
}

int file_check_parent(const char *path, const char *what, char *why, size_t whylen)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int err;

	if (!slash)
		return file_check_dir(".", what, why, whylen);
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return file_refuse(why, whylen, -ENOMEM, "cannot open %s: out of memory", path);
	err = file_check_dir(dir, what, why, whylen);
	free(dir);
	return err;
}
