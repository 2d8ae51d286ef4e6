/* promote-indirect.c's program: stdin to stdout through copy_a, with the reader argv[1]
 * names (f: full_read, else plain_read). */
#include <stddef.h>
#include <sys/types.h>

void choose(int full);
int copy_a(int in, int out);

void register_reader(ssize_t (**slot)(int, void *, size_t)) { (void)slot; }

int main(int argc, char **argv)
{
	choose(argc > 1 && argv[1][0] == 'f');
	return copy_a(0, 1) ? 1 : 0;
}
