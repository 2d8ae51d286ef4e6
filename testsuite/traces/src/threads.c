/*
 * threads: four threads each read /dev/zero and write /dev/null in a loop while the main thread
 * waits for them. A trace of it interleaves calls of several threads, with unfinished/resumed lines.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *work(void *arg)
{
	char buf[512];
	int in = open("/dev/zero", O_RDONLY);
	int out = open("/dev/null", O_WRONLY);
	(void)arg;
	if (in < 0 || out < 0)
		return NULL;
	for (int i = 0; i < 20; i++) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0 || write(out, buf, (size_t)n) != n)
			break;
		usleep(100);
	}
	close(in);
	close(out);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, work, NULL) != 0)
			return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	puts("done");
	return 0;
}
