/* summary: hostile submission: makes the compiler read /dev/zero until it runs out of memory. */
#include "/dev/zero"
