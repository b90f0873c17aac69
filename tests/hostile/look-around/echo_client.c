/* summary: hostile submission: looks for the host's /run, home folders, /var, /sys and /etc/shadow, and says its host name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	static const char *const paths[] = { "/run", "/root", "/home", "/var", "/sys",
	                                     "/etc/shadow" };
	char host[64] = "?";

	gethostname(host, sizeof(host));
	printf("hostile: look-around: host %s;", host);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct stat st;

		/* The report quotes a line of 200 characters: keep it short. */
		printf(" %s %s;", paths[i], stat(paths[i], &st) == 0 ? "FOUND" : errno == ENOENT ?
		       "absent" : strerror(errno));
	}
	printf("\n");
	return 1;
}
