/* summary: where tcplab is running: a container (Docker, Podman, Gradescope), WSL, or a plain Linux host, and which capabilities it holds there. */
#ifndef TCPLAB_ENGINE_HOSTENV_H
#define TCPLAB_ENGINE_HOSTENV_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What 'tcplab doctor' tells a student or an instructor about the machine before any
 * probe: the same namespaces fail for different reasons, and are fixed by different
 * commands, on a laptop, in WSL, in `docker run` and on Gradescope.
 *
 * Contract: hostenv_probe() reads files only (under root, "" for the real system; tests
 * pass a folder laid out like one), never fails, and leaves what it could not read at
 * its zero value. Each field says how it was recognised in 'how'.
 */
enum hostenv_container {
	HOSTENV_NONE,           /* no sign of a container */
	HOSTENV_DOCKER,         /* /.dockerenv, or docker in /proc/1/cgroup */
	HOSTENV_PODMAN,         /* /run/.containerenv, or container=podman */
	HOSTENV_GRADESCOPE,     /* a container with /autograder/run_autograder */
	HOSTENV_OTHER,          /* container=... (systemd-nspawn, lxc), kubepods, containerd */
};

enum hostenv_wsl {
	HOSTENV_NOT_WSL,
	HOSTENV_WSL1,           /* "Microsoft" in the kernel release: no real Linux kernel */
	HOSTENV_WSL2,           /* "microsoft-standard-WSL2" or "WSL2" in the kernel release */
};

/* Linux capability numbers (linux/capability.h) the labs care about. */
enum { HOSTENV_CAP_NET_ADMIN = 12, HOSTENV_CAP_NET_RAW = 13, HOSTENV_CAP_SYS_PTRACE = 19,
       HOSTENV_CAP_SYS_ADMIN = 21 };

struct hostenv {
	enum hostenv_container container;
	enum hostenv_wsl wsl;
	char kernel[128];               /* /proc/sys/kernel/osrelease */
	unsigned long long cap_eff;     /* CapEff of this process */
	bool cap_known;
	int seccomp;                    /* 0 none, 1 strict, 2 filter (Docker's default), -1 unknown */
	char how[200];                  /* how the container or WSL was recognised */
	char apparmor[128];             /* this process's AppArmor label ("tcplab (unconfined)",
	                                 * "unconfined"), "" where AppArmor is not active */
};

void hostenv_probe(struct hostenv *h, const char *root);
bool hostenv_has_cap(const struct hostenv *h, int cap);
const char *hostenv_container_name(enum hostenv_container c);   /* "a Docker container" */

#endif
