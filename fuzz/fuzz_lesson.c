/* summary: libFuzzer target: lesson_parse() on fuzzed lesson files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lesson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lesson l;
	char err[512] = "";

	/* Exact size, no terminating NUL: the parser must honour len. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	int r = lesson_parse(text, size, "fuzz.txt", &l, err, sizeof err);
	free(text);
	if (r < 0) {
		if (!err[0] || strncmp(err, "fuzz.txt", 8) != 0)
			abort();                /* errors name the file */
	} else {
		if (l.nstep < 1 || l.nstep > LESSON_MAX_STEPS)
			abort();
		for (size_t i = 0; i < l.nstep; i++) {
			if (!l.step[i].title || !memchr(l.step[i].run, '\0', sizeof l.step[i].run))
				abort();
			(void)strlen(l.step[i].title);
			if (l.step[i].text)
				(void)strlen(l.step[i].text);
		}
	}
	lesson_release(&l);
	return 0;
}
