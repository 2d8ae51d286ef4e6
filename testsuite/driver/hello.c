/* A program with no system call sequence worth clustering: built through the driver, it must
 * be linked exactly as the original (no runtime, no extra crossings). */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
