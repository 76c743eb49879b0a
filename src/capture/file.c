#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
