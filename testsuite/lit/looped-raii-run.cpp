// A C++ copy over RAII objects, run: descriptors closed by a destructor, a `std::vector`
// buffer, errors thrown as `std::system_error`. Where destructors are live, clang calls
// `read` and `write` with `invoke`; they become calls (transform/unwind.rs), the loop one
// looped multi-call whose buffer (from `new`, released by `delete`) is dead after it.
// Cases: files of 0, 1, 4096, 4097 bytes and 1 MiB, a missing input (ENOENT), a directory
// (EISDIR at the first read), /dev/full (ENOSPC at the first write), a file-size limit with
// SIGXFSZ ignored (a short write, then EFBIG), and a pipe read slowly by a child while SIGALRM
// (SA_RESTART) interrupts the calls every millisecond. Built with and without the pass, the
// program must print the same, on every backend the runtime offers here.
//
// REQUIRES: multicall
// RUN: %clangxx -O2 -g %s -o %t.orig
// RUN: %clangxx-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/read-write.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: rm -rf %t.dir && mkdir -p %t.dir
// RUN: %t.orig %t.dir > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.dir > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.dir > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.dir > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Fd {
	int fd;
	explicit Fd(int f) : fd(f) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd()
	{
		if (fd >= 0)
			close(fd);
	}
};

// REMARK-DAG: looped-raii-run.cpp:[[#@LINE+14]]:{{[0-9]+}}: remark: made the invoke of 'read' a call
// REMARK-DAG: looped-raii-run.cpp:[[#@LINE+14]]:{{[0-9]+}}: remark: made the invoke of 'write' a call
// REMARK-DAG: looped-raii-run.cpp:[[#@LINE+12]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop
__attribute__((noinline)) long long copy_fds(int in_fd, int out_fd)
{
	Fd in(in_fd), out(out_fd);
	std::vector<char> buf(4096);
	long long total = 0;
	ssize_t n;

	if (in.fd < 0)
		throw std::system_error(errno, std::generic_category(), "open input");
	if (out.fd < 0)
		throw std::system_error(errno, std::generic_category(), "open output");
	while ((n = read(in.fd, buf.data(), buf.size())) > 0) {
		ssize_t w = write(out.fd, buf.data(), n);
		if (w != n)
			throw std::system_error(w < 0 ? errno : 0, std::generic_category(),
						"write after " + std::to_string(total));
		total += n;
	}
	if (n < 0)
		throw std::system_error(errno, std::generic_category(), "read");
	return total;
}

void run(const char *name, int in_fd, int out_fd)
{
	try {
		long long total = copy_fds(in_fd, out_fd);
		std::printf("%s: copied %lld\n", name, total);
	} catch (const std::system_error &e) {
		std::printf("%s: error %s, errno %d\n", name, e.what(), e.code().value());
	}
}

std::string make_file(const std::string &dir, const char *name, size_t size)
{
	std::string path = dir + "/" + name;
	std::vector<char> data(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 131 + i / 977);
	Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (size && write(fd.fd, data.data(), size) != (ssize_t)size)
		std::perror("make_file");
	return path;
}

void on_alarm(int) {}

} // namespace

// CHECK: size-0: copied 0
// CHECK-NEXT: size-0: output 0 bytes
// CHECK-NEXT: size-1: copied 1
// CHECK-NEXT: size-1: output 1 bytes
// CHECK-NEXT: size-4096: copied 4096
// CHECK-NEXT: size-4096: output 4096 bytes
// CHECK-NEXT: size-4097: copied 4097
// CHECK-NEXT: size-4097: output 4097 bytes
// CHECK-NEXT: size-1048576: copied 1048576
// CHECK-NEXT: size-1048576: output 1048576 bytes
// CHECK-NEXT: missing: error open input: No such file or directory, errno 2
// CHECK-NEXT: directory: error read: Is a directory, errno 21
// CHECK-NEXT: dev-full: error write after 0: No space left on device, errno 28
// CHECK-NEXT: limit: error write after 8192: Success, errno 0
// CHECK-NEXT: limit: output 10000 bytes
// CHECK-NEXT: slow: copied 1048576
// CHECK-NEXT: slow: reader got 1048576 bytes
// CHECK-NEXT: exit 0
int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	std::string dir = argv[1];
	for (size_t size : {0, 1, 4096, 4097, 1 << 20}) {
		std::string name = "size-" + std::to_string(size);
		std::string in = make_file(dir, name.c_str(), size);
		std::string out = in + ".out";
		run(name.c_str(), open(in.c_str(), O_RDONLY), open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
		struct stat st;
		stat(out.c_str(), &st);
		std::printf("%s: output %lld bytes\n", name.c_str(), (long long)st.st_size);
		std::fflush(stdout);
	}
	run("missing", open((dir + "/none").c_str(), O_RDONLY), open((dir + "/none.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
	run("directory", open(dir.c_str(), O_RDONLY), open((dir + "/dir.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
	run("dev-full", open((dir + "/size-4097").c_str(), O_RDONLY), open("/dev/full", O_WRONLY));
	std::fflush(stdout);

	// A file-size limit of 10000 bytes, SIGXFSZ ignored: the third write is short (1808
	// bytes), which the loop reports.
	pid_t child = fork();
	if (child == 0) {
		struct rlimit lim = {10000, 10000};
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
		run("limit", open((dir + "/size-1048576").c_str(), O_RDONLY),
		    open((dir + "/limit.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
		std::fflush(stdout);
		_exit(0);
	}
	waitpid(child, nullptr, 0);
	struct stat st;
	stat((dir + "/limit.out").c_str(), &st);
	std::printf("limit: output %lld bytes\n", (long long)st.st_size);
	std::fflush(stdout);

	// A pipe a child reads slowly while SIGALRM interrupts the calls every millisecond.
	int p[2];
	if (pipe(p) != 0)
		return 1;
	child = fork();
	if (child == 0) {
		close(p[1]);
		char c[1000];
		long long got = 0;
		ssize_t n;
		while ((n = read(p[0], c, sizeof c)) > 0) {
			got += n;
			usleep(20);
		}
		std::printf("slow: reader got %lld bytes\n", got);
		std::fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	struct sigaction sa;
	std::memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, nullptr);
	struct itimerval every = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &every, nullptr);
	run("slow", open((dir + "/size-1048576").c_str(), O_RDONLY), p[1]);
	std::fflush(stdout);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, nullptr);
	waitpid(child, nullptr, 0);
	return 0;
}
