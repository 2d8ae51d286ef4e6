#!/usr/bin/env python3
"""Generates profile/src/catalogue/table.rs: the x86-64 Linux system call table with argument kinds.

Development-time tool; the build does not run it and does not need the headers it reads:

    python3 profile/tools/gen_catalogue.py \
        /usr/include/x86_64-linux-gnu/asm/unistd_64.h \
        /usr/src/linux-headers-*-common/include/linux/syscalls.h > profile/src/catalogue/table.rs

Names and numbers come from unistd_64.h (package linux-libc-dev). Argument lists come from the kernel's
syscalls.h prototypes, classified into argument kinds by type and name, then corrected by OVERRIDES
below for calls whose prototype misleads (in/out buffers, x86-64 specific entry points).
"""
import re
import sys

unistd, syscalls_h = sys.argv[1], sys.argv[2]

numbers = []
for line in open(unistd):
    m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
    if m:
        numbers.append((m.group(1), int(m.group(2))))

text = open(syscalls_h).read()
protos = {}
for m in re.finditer(r"asmlinkage long sys_(\w+)\((.*?)\);", text, re.S):
    name, params = m.group(1), " ".join(m.group(2).split())
    if name not in protos:
        protos[name] = params

# Entry points whose kernel function name differs from the table's name.
ALIAS = {
    "stat": "newstat", "fstat": "newfstat", "lstat": "newlstat", "newfstatat": "newfstatat",
    "uname": "newuname", "umount2": "umount", "sendfile": "sendfile64",
}

# Hand-written argument lists (x86-64 specific or misleading prototypes).
OVERRIDES = {
    "mmap": "Addr Len Flags Flags Fd Offset",
    "rt_sigreturn": "",
    "arch_prctl": "Cmd Addr",
    "iopl": "Uint",
    "modify_ldt": "Cmd BufInOut Len",
    "clone": "Flags Addr BufOut BufOut Addr",
    "fork": "", "vfork": "",
    "_sysctl": "BufInOut",
    "create_module": "", "get_kernel_syms": "", "query_module": "", "nfsservctl": "",
    "getpmsg": "", "putpmsg": "", "afs_syscall": "", "tuxcall": "", "security": "", "vserver": "",
    "uselib": "Path",
    # sockets: address-length pointers are read and written
    "accept": "Fd BufOut BufInOut", "accept4": "Fd BufOut BufInOut Flags",
    "getsockname": "Fd BufOut BufInOut", "getpeername": "Fd BufOut BufInOut",
    "recvfrom": "Fd BufOut Len Flags BufOut BufInOut",
    "getsockopt": "Fd Int Int BufOut BufInOut",
    "setsockopt": "Fd Int Int BufIn Len",
    "socket": "Int Int Int", "socketpair": "Int Int Int BufOut",
    "recvmsg": "Fd BufInOut Flags", "sendmsg": "Fd BufIn Flags",
    "recvmmsg": "Fd BufInOut Len Flags BufInOut", "sendmmsg": "Fd BufInOut Len Flags",
    "connect": "Fd BufIn Len", "bind": "Fd BufIn Len", "listen": "Fd Int",
    "shutdown": "Fd Int",
    "ioctl": "Fd Cmd Ptr", "fcntl": "Fd Cmd Ptr",
    # iovec arrays: the kind says what happens to the memory the vectors point to
    "readv": "Fd BufOut Len", "writev": "Fd BufIn Len",
    "preadv": "Fd BufOut Len Offset Offset", "pwritev": "Fd BufIn Len Offset Offset",
    "preadv2": "Fd BufOut Len Offset Offset Flags", "pwritev2": "Fd BufIn Len Offset Offset Flags",
    "process_vm_readv": "Pid BufOut Uint BufIn Uint Flags",
    "process_vm_writev": "Pid BufIn Uint BufIn Uint Flags",
    "vmsplice": "Fd BufInOut Len Flags",
    "lseek": "Fd Offset Whence",
    "select": "Int BufInOut BufInOut BufInOut BufInOut",
    "pselect6": "Int BufInOut BufInOut BufInOut BufInOut BufIn",
    "poll": "BufInOut Len Int", "ppoll": "BufInOut Len BufIn BufIn Len",
    "epoll_wait": "Fd BufOut Int Int", "epoll_pwait": "Fd BufOut Int Int BufIn Len",
    "epoll_pwait2": "Fd BufOut Int BufIn BufIn Len",
    "epoll_ctl": "Fd Cmd Fd BufIn",
    "wait4": "Pid BufOut Flags BufOut", "waitid": "Int Pid BufOut Flags BufOut",
    "kill": "Pid Signal", "tkill": "Pid Signal", "tgkill": "Pid Pid Signal",
    "rt_sigaction": "Signal BufIn BufOut Len", "rt_sigprocmask": "Int BufIn BufOut Len",
    "futex": "BufInOut Cmd Uint BufIn BufInOut Uint",
    "brk": "Addr", "munmap": "Addr Len", "mprotect": "Addr Len Flags",
    "mremap": "Addr Len Len Flags Addr", "msync": "Addr Len Flags", "madvise": "Addr Len Int",
    "mincore": "Addr Len BufOut", "mlock": "Addr Len", "munlock": "Addr Len",
    "mlock2": "Addr Len Flags",
    "prctl": "Cmd Uint Uint Uint Uint",
    "exit": "Int", "exit_group": "Int",
    "execve": "Path BufIn BufIn", "execveat": "Fd Path BufIn BufIn Flags",
    "getdents": "Fd BufOut Len", "getdents64": "Fd BufOut Len",
    "readlink": "Path BufOut Len", "readlinkat": "Fd Path BufOut Len",
    "getcwd": "BufOut Len",
    "nanosleep": "BufIn BufOut", "clock_nanosleep": "Int Flags BufIn BufOut",
    "sendfile": "Fd Fd BufInOut Len",
    "splice": "Fd BufInOut Fd BufInOut Len Flags",
    "copy_file_range": "Fd BufInOut Fd BufInOut Len Flags",
    "io_uring_enter": "Fd Uint Uint Flags BufIn Len",
    "pipe": "BufOut", "pipe2": "BufOut Flags",
    "dup": "Fd", "dup2": "Fd Fd", "dup3": "Fd Fd Flags",
    "set_tid_address": "BufOut", "set_robust_list": "BufIn Len",
    "get_robust_list": "Pid BufOut BufOut",
    "rseq": "BufInOut Len Flags Uint",
    "prlimit64": "Pid Int BufIn BufOut",
    "ptrace": "Cmd Pid Addr Ptr",
    "mount": "Path Path BufIn Flags BufIn",
    "sethostname": "BufIn Len", "setdomainname": "BufIn Len",
    "sched_setaffinity": "Pid Len BufIn", "sched_getaffinity": "Pid Len BufOut",
    "kexec_load": "Addr Len BufIn Flags",
    "set_thread_area": "BufInOut", "get_thread_area": "BufInOut",
    "epoll_ctl_old": "Fd Cmd Fd BufIn", "epoll_wait_old": "Fd BufOut Int Int",
    "read": "Fd BufOut Len", "write": "Fd BufIn Len",
    "pread64": "Fd BufOut Len Offset", "pwrite64": "Fd BufIn Len Offset",
    "open": "Path Flags Mode", "openat": "Fd Path Flags Mode", "creat": "Path Mode",
    "close": "Fd",
    # prototypes without parameter names, or pointers the kernel only reads but not declared const
    "sendto": "Fd BufIn Len Flags BufIn Len",
    "shmat": "Int Addr Flags", "shmdt": "Addr", "shmctl": "Int Cmd BufInOut",
    "semop": "Int BufIn Uint", "semtimedop": "Int BufIn Uint BufIn", "semctl": "Int Int Cmd Ptr",
    "msgsnd": "Int BufIn Len Flags", "msgrcv": "Int BufOut Len Int Flags", "msgctl": "Int Cmd BufInOut",
    "setitimer": "Int BufIn BufOut", "symlink": "Path Path", "truncate": "Path Offset",
    "settimeofday": "BufIn BufIn", "getrlimit": "Int BufOut", "setrlimit": "Int BufIn",
    "capget": "BufInOut BufOut", "capset": "BufIn BufIn",
    "rt_sigqueueinfo": "Pid Signal BufIn", "rt_tgsigqueueinfo": "Pid Pid Signal BufIn",
    "rt_sigsuspend": "BufIn Len",
    "utime": "Path BufIn", "utimes": "Path BufIn", "futimesat": "Fd Path BufIn",
    "utimensat": "Fd Path BufIn Flags",
    "sched_setparam": "Pid BufIn", "sched_setscheduler": "Pid Int BufIn", "sched_setattr": "Pid BufIn Flags",
    "adjtimex": "BufInOut", "clock_adjtime": "Int BufInOut",
    "init_module": "BufIn Len BufIn",
    "io_submit": "Uint Len BufIn", "io_cancel": "Uint BufIn BufOut",
    "timer_create": "Int BufIn BufOut",
    "mq_open": "Path Flags Mode BufIn",
    "signalfd": "Fd BufIn Len", "signalfd4": "Fd BufIn Len Flags",
    "fallocate": "Fd Flags Offset Len",
    "eventfd": "Uint", "eventfd2": "Uint Flags", "epoll_create": "Int", "umask": "Mode",
    "fanotify_mark": "Fd Flags Uint Fd Path",
    "name_to_handle_at": "Fd Path BufInOut BufOut Flags", "open_by_handle_at": "Fd BufIn Flags",
    "perf_event_open": "BufIn Pid Int Fd Flags",
    "seccomp": "Cmd Flags Ptr", "bpf": "Cmd BufInOut Len",
    "pidfd_send_signal": "Fd Signal BufIn Flags", "openat2": "Fd Path BufIn Len",
    "clone3": "BufIn Len", "mount_setattr": "Fd Path Flags BufIn Len",
    "io_uring_register": "Fd Cmd Ptr Uint",
    "futex_waitv": "BufIn Uint Flags BufIn Int",
    "quotactl": "Cmd Path Uid Ptr",
    "kexec_file_load": "Fd Fd Len BufIn Flags",
}

PATH_NAMES = {"filename", "pathname", "path", "oldname", "newname", "specialfile", "library",
              "dev_name", "dir_name", "oldfilename", "newfilename", "new_root", "put_old",
              "name"}
FD_NAMES = {"fd", "fd_in", "fd_out", "dfd", "olddfd", "newdfd", "oldfd", "newfd", "epfd", "ufd",
            "pidfd", "out_fd", "in_fd", "from_dfd", "to_dfd", "mountfd", "fs_fd", "ring_fd",
            "dirfd", "fdin", "fdout", "group_fd", "tfd"}


def kind(param, sysname):
    p = param.strip()
    if p in ("void", ""):
        return None
    m = re.match(r"(.*?)(\w+)$", p)
    ty, name = (m.group(1).strip(), m.group(2)) if m else (p, "")
    if "*" not in ty and ty == "" :
        ty, name = name, ""
    userptr = "__user" in ty or "*" in ty
    if userptr:
        if "char" in ty and (name in PATH_NAMES or "path" in name or "file" in name):
            if sysname in ("setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr",
                           "fgetxattr", "removexattr", "lremovexattr", "fremovexattr") and name == "name":
                return "BufIn"
            if sysname in ("sethostname", "setdomainname"):
                return "BufIn"
            return "Path"
        if ty.startswith("const"):
            return "BufIn"
        return "BufOut"
    n = name.lower()
    if n in FD_NAMES:
        return "Fd"
    if ty in ("pid_t",) or n in ("pid", "tgid", "tid", "upid"):
        return "Pid"
    if ty in ("uid_t", "old_uid_t", "qid_t") or n in ("ruid", "euid", "suid", "uid", "user"):
        return "Uid"
    if ty in ("gid_t", "old_gid_t") or n in ("rgid", "egid", "sgid", "gid", "group"):
        return "Gid"
    if n in ("sig", "signum", "signal"):
        return "Signal"
    if n in ("whence", "origin"):
        return "Whence"
    if ty == "umode_t" or n == "mode":
        return "Mode"
    if "flag" in n or n in ("prot", "how", "options", "advice"):
        return "Flags"
    if n in ("cmd", "option", "op", "code", "request", "func"):
        return "Cmd"
    if ty in ("loff_t", "off_t") or n in ("pos", "offset", "off", "pos_l", "pos_h", "offset_low",
                                          "offset_high", "pgoff"):
        return "Offset"
    if ty == "size_t" or n in ("count", "len", "length", "size", "sigsetsize", "addrlen",
                               "bufsiz", "nbytes", "vlen", "nr_events", "usize", "nr_segs",
                               "sizemask", "cnt", "maxevents"):
        return "Len"
    if n in ("addr", "start", "brk", "newsp", "tls"):
        return "Addr"
    if ty.startswith("unsigned") or ty.startswith("u") or ty.startswith("__u") or ty in ("aio_context_t", "rwf_t", "dev_t"):
        return "Uint"
    return "Int"


out = []
out.append("// @generated by profile/tools/gen_catalogue.py from unistd_64.h and the kernel's syscalls.h.")
out.append("// Edit the generator (or its OVERRIDES), not this file.")
out.append("")
out.append("use super::ArgKind::*;")
out.append("use super::Syscall;")
out.append("")
out.append("#[rustfmt::skip]")
out.append(f"pub(super) static TABLE: [Syscall; {len(numbers)}] = [")
missing = []
for name, nr in numbers:
    if name in OVERRIDES:
        kinds = OVERRIDES[name].split()
    else:
        proto = protos.get(ALIAS.get(name, name))
        if proto is None:
            missing.append(name)
            kinds = []
        else:
            kinds = [k for k in (kind(p, name) for p in proto.split(",")) if k]
    assert len(kinds) <= 6, (name, kinds)
    args = ", ".join(kinds)
    out.append(f'    Syscall {{ nr: {nr}, name: "{name}", args: &[{args}] }},')
out.append("];")
print("\n".join(out))
if missing:
    print("no prototype for: " + " ".join(missing), file=sys.stderr)
