// cat in C++: a read -> write loop in a member function, so that the driver and the pass are
// exercised on C++ frames and name mangling.
#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace {
class Copier {
public:
	explicit Copier(int in, int out) : in_(in), out_(out) {}
	int run()
	{
		char buf[4096];
		ssize_t n;
		while ((n = read(in_, buf, sizeof buf)) > 0) {
			if (write(out_, buf, n) != n) {
				perror("write");
				return 1;
			}
		}
		if (n < 0) {
			perror("read");
			return 1;
		}
		return 0;
	}

private:
	int in_, out_;
};
} // namespace

int main()
{
	return Copier(0, 1).run();
}
