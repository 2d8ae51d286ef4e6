/*
 * A host program whose LLVM says it is major HOST_MAJOR: it links LLVM 19's library (so the
 * plugin's symbols resolve) but defines LLVMGetVersion itself, which the plugin's lookup finds
 * first. It loads the plugin the way LLVM's PassPlugin::Load does and prints what
 * llvmGetPassPluginInfo returned.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

struct plugin_info {
	uint32_t api_version;
	const char *name;
	const char *version;
	void (*register_callbacks)(void *);
};

void LLVMGetVersion(unsigned *major, unsigned *minor, unsigned *patch)
{
	*major = HOST_MAJOR;
	*minor = 1;
	*patch = 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN\n", argv[0]);
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	struct plugin_info (*get)(void) =
		(struct plugin_info (*)(void))dlsym(h, "llvmGetPassPluginInfo");
	if (!get) {
		fprintf(stderr, "no llvmGetPassPluginInfo\n");
		return 2;
	}
	struct plugin_info info = get();
	printf("api %u plugin %s callbacks %s\n", info.api_version, info.name,
	       info.register_callbacks ? "yes" : "no");
	return 0;
}
