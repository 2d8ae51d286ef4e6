# lit configuration for the syscall-cluster pass plugin.
#
# Run with LLVM's lit (scripts/tests/30-lit.sh does):
#   python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv testsuite/lit
# The plugin is ${CARGO_TARGET_DIR:-target}/release/libsyscluster_pass.so (relative to the
# repository root), or $SYSCLUSTER_PLUGIN. Executable tests link libmulticall through the
# multicall.pc that the runtime's build writes next to it.
import os
import shutil
import subprocess

import lit.formats

config.name = "syscluster"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".ll", ".c", ".cpp", ".test"]
config.excludes = ["Inputs", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
root = os.path.abspath(os.path.join(config.test_source_root, "..", ".."))

llvm_bin = os.environ.get("LLVM_BIN", "/usr/lib/llvm-19/bin")
target = os.environ.get("CARGO_TARGET_DIR", "target")
if not os.path.isabs(target):
    target = os.path.join(root, target)
release = os.path.join(target, "release")
# Outputs (%t files, lit's timing file) go under the target directory, not the sources.
config.test_exec_root = os.path.join(target, "lit")
plugin = os.environ.get("SYSCLUSTER_PLUGIN", os.path.join(release, "libsyscluster_pass.so"))
if not os.path.exists(plugin):
    lit_config.fatal(
        "plugin %s not found: build it first (cargo build --release -p syscluster-pass)" % plugin
    )

config.environment["PATH"] = os.pathsep.join([llvm_bin, config.environment.get("PATH", "")])
for var in ("HOME", "TMPDIR", "CARGO_TARGET_DIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

opt = os.path.join(llvm_bin, "opt")
clang = os.path.join(llvm_bin, "clang")
config.substitutions.append(("%plugin", plugin))
config.substitutions.append(("%opt-cluster", "%s -load-pass-plugin=%s" % (opt, plugin)))
clangxx = os.path.join(llvm_bin, "clang++")
# The longer names first: "%clang" would match the start of the others.
config.substitutions.append(("%clangxx-cluster", "%s -fplugin=%s -fpass-plugin=%s" % (clangxx, plugin, plugin)))
config.substitutions.append(("%clangxx", clangxx))
config.substitutions.append(("%clang-cluster", "%s -fplugin=%s -fpass-plugin=%s" % (clang, plugin, plugin)))
config.substitutions.append(("%clang", clang))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%programs", os.path.join(root, "testsuite", "programs")))

# libmulticall for the executable tests.
pc_env = dict(os.environ)
pc_env["PKG_CONFIG_PATH"] = release + (
    os.pathsep + os.environ["PKG_CONFIG_PATH"] if "PKG_CONFIG_PATH" in os.environ else ""
)
try:
    mc_flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "multicall"],
        env=pc_env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    config.substitutions.append(("%multicall", mc_flags))
    config.available_features.add("multicall")
except (OSError, subprocess.CalledProcessError):
    lit_config.note("libmulticall not built (no multicall.pc in %s): executable tests are unsupported" % release)

# The syscluster command (record), and strace under it, for tests on recorded profiles.
cli = os.path.join(release, "syscluster")
if os.path.exists(cli) and shutil.which("strace"):
    config.substitutions.append(("%syscluster", cli))
    config.available_features.add("syscluster-cli")

# An LLVM of another major, for the version check.
for other in ("opt-14", "opt-15", "opt-16", "opt-17", "opt-18"):
    path = shutil.which(other)
    if path:
        config.substitutions.append(("%other-opt", path))
        config.available_features.add("other-llvm")
        break
