/* summary: hostenv: a container, Gradescope, WSL 1 and 2 and the capabilities are recognised from the files each leaves, laid out in a folder as on such a machine. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/hostenv.h"
#include "tests/lib/tcplab_run.h"

/* Docker's default capability set (CapEff of a root process in `docker run IMAGE`):
 * NET_RAW but neither NET_ADMIN nor SYS_ADMIN nor SYS_PTRACE. */
#define DOCKER_CAPS "00000000a80425fb"
#define FULL_CAPS "000001ffffffffff"

static char root[64];

static void put(const char *path, const char *text, size_t len)
{
	char full[512], dir[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (char *q = dir + strlen(root) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST, "%s: %s", dir, strerror(errno));
		*q = '/';
	}
	f = fopen(full, "w");
	cr_assert_not_null(f, "%s: %s", full, strerror(errno));
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

#define PUT(path, text) put(path, text, sizeof(text) - 1)

static void status(const char *caps, int seccomp)
{
	char text[256];

	snprintf(text, sizeof(text), "Name:\ttcplab\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\n"
	         "CapPrm:\t%s\nCapEff:\t%s\nSeccomp:\t%d\n", caps, caps, seccomp);
	put("/proc/self/status", text, strlen(text));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/tcplab-hostenv-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	PUT("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
}

static void teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hostenv, .init = setup, .fini = teardown);

Test(hostenv, a_plain_host_is_no_container_and_not_wsl)
{
	struct hostenv h;

	status(FULL_CAPS, 0);
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_NONE);
	cr_expect_eq(h.wsl, HOSTENV_NOT_WSL);
	cr_expect_str_eq(h.kernel, "6.1.0-18-amd64");
	cr_expect(hostenv_has_cap(&h, HOSTENV_CAP_SYS_ADMIN));
	cr_expect_eq(h.seccomp, 0);
}

Test(hostenv, a_default_docker_container_has_net_raw_but_not_net_admin)
{
	struct hostenv h;

	PUT("/.dockerenv", "");
	status(DOCKER_CAPS, 2);
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_DOCKER);
	cr_expect_str_eq(h.how, "/.dockerenv exists");
	cr_expect(hostenv_has_cap(&h, HOSTENV_CAP_NET_RAW));
	cr_expect_not(hostenv_has_cap(&h, HOSTENV_CAP_NET_ADMIN));
	cr_expect_not(hostenv_has_cap(&h, HOSTENV_CAP_SYS_ADMIN));
	cr_expect_not(hostenv_has_cap(&h, HOSTENV_CAP_SYS_PTRACE));
	cr_expect_eq(h.seccomp, 2);
	cr_expect_str_eq(hostenv_container_name(h.container), "a Docker container");
}

Test(hostenv, docker_is_seen_from_the_cgroup_without_dockerenv)
{
	struct hostenv h;

	PUT("/proc/1/cgroup", "0::/system.slice/docker-3f1c2a.scope\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_DOCKER);
}

Test(hostenv, podman_leaves_containerenv)
{
	struct hostenv h;

	PUT("/run/.containerenv", "engine=\"podman-4.9.3\"\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_PODMAN);
}

Test(hostenv, systemd_nspawn_says_so_in_process_1s_environment)
{
	struct hostenv h;

	put("/proc/1/environ", "PATH=/usr/bin\0container=systemd-nspawn\0TERM=vt220\0",
	    sizeof("PATH=/usr/bin\0container=systemd-nspawn\0TERM=vt220\0") - 1);
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_OTHER);
	cr_expect(strstr(h.how, "container=systemd-nspawn"), "%s", h.how);
}

Test(hostenv, gradescope_is_a_docker_container_with_its_autograder)
{
	struct hostenv h;

	PUT("/.dockerenv", "");
	PUT("/autograder/run_autograder", "#!/bin/sh\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_GRADESCOPE);
	cr_expect(strstr(h.how, "/autograder/run_autograder"), "%s", h.how);
}

Test(hostenv, an_autograder_folder_on_a_plain_host_is_not_gradescope)
{
	struct hostenv h;

	PUT("/autograder/run_autograder", "#!/bin/sh\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.container, HOSTENV_NONE);
}

Test(hostenv, wsl2_and_wsl1_are_told_apart_by_the_kernel_release)
{
	struct hostenv h;

	PUT("/proc/sys/kernel/osrelease", "5.15.153.1-microsoft-standard-WSL2\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.wsl, HOSTENV_WSL2);
	cr_expect_str_eq(h.kernel, "5.15.153.1-microsoft-standard-WSL2");
	PUT("/proc/sys/kernel/osrelease", "4.4.0-19041-Microsoft\n");
	hostenv_probe(&h, root);
	cr_expect_eq(h.wsl, HOSTENV_WSL1);
}

Test(hostenv, nothing_readable_is_nothing_known)
{
	struct hostenv h;

	hostenv_probe(&h, "/nonexistent-tcplab-root");
	cr_expect_eq(h.container, HOSTENV_NONE);
	cr_expect_eq(h.wsl, HOSTENV_NOT_WSL);
	cr_expect_not(h.cap_known);
	cr_expect_eq(h.seccomp, -1);
	cr_expect_not(hostenv_has_cap(&h, HOSTENV_CAP_NET_RAW));
}

/* The real doctor names where it runs, first. */
Test(hostenv, doctor_says_where_it_runs)
{
	char cmd[700], out[4096] = "";
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "'%s/tcplab' doctor 2>&1", test_build());
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	cr_expect(strstr(out, "\n  ok     where: ") || strstr(out, "\n  FAIL   where: "),
	          "%s", out);
}

Test(hostenv, the_apparmor_label_is_read_from_either_file)
{
	struct hostenv h;

	PUT("/proc/self/attr/current", "unconfined\n");
	hostenv_probe(&h, root);
	cr_expect_str_eq(h.apparmor, "unconfined");
	PUT("/proc/self/attr/apparmor/current", "tcplab (unconfined)\n");
	hostenv_probe(&h, root);
	cr_expect_str_eq(h.apparmor, "tcplab (unconfined)");
}

/* The profile 'make apparmor' (and an install) writes grants user namespaces to exactly
 * the binary named, and a relative name is refused: AppArmor attaches by absolute path. */
Test(hostenv, the_apparmor_profile_names_the_binary_and_grants_userns)
{
	char cmd[1400], path[600], *text;

	snprintf(cmd, sizeof(cmd), "sh '%s/mk/apparmor.sh' /opt/tcplab/bin/tcplab '%s' >/dev/null",
	         test_root(), root);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/etc/apparmor.d/tcplab", root);
	text = test_slurp(path);
	cr_assert_not_null(text, "no profile at %s", path);
	cr_expect(strstr(text, "\nprofile tcplab /opt/tcplab/bin/tcplab flags=(unconfined) {\n"),
	          "%s", text);
	cr_expect(strstr(text, "\n  userns,\n"), "%s", text);
	cr_expect(strstr(text, "abi <abi/4.0>,"), "%s", text);
	free(text);
	snprintf(cmd, sizeof(cmd), "sh '%s/mk/apparmor.sh' build/tcplab '%s' 2>/dev/null",
	         test_root(), root);
	cr_expect_eq(WEXITSTATUS(system(cmd)), 2, "a relative binary path was accepted");
}
