/* summary: hostile submission: tries to write outside its working folder (/tmp, $HOME, the lab tree) and in it, and says what happened. */
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
	char home[600], tree[600], r[4][700];
	const char *h = getenv("HOME"), *root = getenv("TCPLAB_ROOT");

	snprintf(home, sizeof(home), "%s/tcplab-hostile-pwned", h ? h : "/root");
	snprintf(tree, sizeof(tree), "%s/tcplab-hostile-pwned", root ? root : "/nonexistent");
	printf("hostile: write-outside: %s; %s; %s; %s\n",
	       try("/tmp/tcplab-hostile-pwned", r[0], sizeof(r[0])),
	       try(home, r[1], sizeof(r[1])), try(tree, r[2], sizeof(r[2])),
	       try("in-cwd", r[3], sizeof(r[3])));
	return 1;
}
