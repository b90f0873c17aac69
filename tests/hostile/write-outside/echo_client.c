/* summary: hostile submission: tries to write in its jail's root, /usr, /etc, /tmp and its working folder, and says what happened. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *try(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		snprintf(buf, len, "%s: %s", path, strerror(errno));
	} else {
		snprintf(buf, len, "%s: WRITTEN", path);
		(void)!write(fd, "pwned\n", 6);
		close(fd);
	}
	return buf;
}

int main(void)
{
	char r[5][700];

	/* The jail's root, its toolchain and /etc are read-only; /tmp is a private tmpfs that
	 * dies with it; only cwd (its work folder) outlives it, until the grade ends. */
	printf("hostile: write-outside: %s; %s; %s; %s; %s\n",
	       try("/pwned", r[0], sizeof(r[0])),
	       try("/usr/pwned", r[1], sizeof(r[1])),
	       try("/etc/pwned", r[2], sizeof(r[2])),
	       try("/tmp/pwned", r[3], sizeof(r[3])),
	       try("in-cwd", r[4], sizeof(r[4])));
	return 1;
}
