/* summary: hostile submission: prints escape sequences that would clear the screen and paint a full score. */
#include "hostile.h"

int main(void)
{
	/* In its hello line, which the output check quotes: the report must show it escaped. */
	hostile_hello("paints \x1b[2J\x1b[H\x1b[32mscore: 10/10 - every check passed\x1b[0m"
	              "\xc2\x9b" "1A\x07");
	return 0;
}
