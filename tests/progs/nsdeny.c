/* summary: run a program as root in a default Docker container would: no CAP_SYS_ADMIN or CAP_NET_ADMIN, namespaces refused by seccomp. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * usage: nsdeny [--no-net-raw] PROGRAM [ARG...]   (as root)
 *
 * For tests/test_fallback.c: the real refusal a default 'docker run' gives, not a mock.
 * Docker's default profile keeps root but only these capabilities, and its seccomp filter
 * refuses unshare() and setns() without CAP_SYS_ADMIN, clone() with any CLONE_NEW* flag
 * (EPERM), and clone3() outright with ENOSYS, so that libc falls back to clone(), whose
 * flags a filter can see. The filter goes in first, while CAP_SYS_ADMIN still allows it
 * without no_new_privs (Docker does not set that either), then the capabilities go: from
 * the bounding set, which is what root's execve() grants from, and from this process's own
 * sets. --no-net-raw drops CAP_NET_RAW too (docker run --cap-drop NET_RAW): no capture
 * at all. Exit 125 with a message when any step fails.
 */

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "nsdeny: add this architecture's AUDIT_ARCH_ value"
#endif

/* The CLONE_NEW* flags Docker's profile masks (its 0x7E020000). */
#define CLONE_NEW_ANY (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
                       CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Docker's default capabilities (moby's oci/caps/defaults.go); CAP_NET_RAW among them. */
static const int docker_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
	CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
	CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

static int fail(const char *what)
{
	fprintf(stderr, "nsdeny: %s: %s\n", what, strerror(errno));
	return 125;
}

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setns, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* clone: flags are the first argument on both architectures (low 32 bits). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_ANY, 0, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int drop_caps(bool net_raw)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int last = CAP_LAST_CAP;

	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sizeof(docker_caps) / sizeof(docker_caps[0]); i++) {
		int c = docker_caps[i];

		if (c == CAP_NET_RAW && !net_raw)
			continue;
		data[c / 32].effective |= 1u << (c % 32);
		data[c / 32].permitted |= 1u << (c % 32);
		data[c / 32].inheritable |= 1u << (c % 32);
	}
	/* The running kernel may know more than our headers: drop those too. */
	while (prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	for (int c = 0; c <= last; c++) {
		bool keep = c < 64 && (data[c / 32].permitted >> (c % 32)) & 1;

		if (!keep && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -1;
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

int main(int argc, char **argv)
{
	bool net_raw = !(argc > 1 && !strcmp(argv[1], "--no-net-raw"));

	if (!net_raw) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nsdeny [--no-net-raw] PROGRAM [ARG...]   (as root)\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "nsdeny: needs root (a container's root is what it stands for)\n");
		return 125;
	}
	if (install_filter() < 0)
		return fail("cannot install the seccomp filter");
	if (drop_caps(net_raw) < 0)
		return fail("cannot drop the capabilities");
	execv(argv[1], argv + 1);
	return fail(argv[1]);
}
