/* summary: 'tcplab doctor': say what this system allows for the labs, and exactly how to fix what it does not. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/hostenv.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "engine/proc.h"
#include "engine/sandbox.h"
#include "engine/tracer.h"
#include "util/textcols.h"


/* A check's line, and when it failed, why and what to do; 'fatal' checks decide the exit. */
static void report(bool ok, bool fatal, const char *what, const char *why, const char *fix)
{
	const char *label = ok ? _("ok") : fatal ? _("FAIL") : _("note");
	int pad = 6 - textcols_label(label);

	printf("  %s%*s %s\n", label, pad > 0 ? pad : 0, "", what);
	if (ok)
		return;
	if (why && *why)
		printf(_("         why: %s\n"), why);
	if (fix && *fix)
		printf(_("         fix: %s\n"), fix);
}

static void sysctl_str(char *buf, size_t len, long v)
{
	if (v < 0)
		snprintf(buf, len, _("(absent)"));
	else
		snprintf(buf, len, "%ld", v);
}

/* The most specific fix the kernel switches point at, for user namespaces. */
static const char *userns_fix(const struct sandbox_caps *c)
{
	if (c->apparmor_restrict_userns == 1)
		return _("sudo make apparmor in tcplab's source tree (a profile that grants tcplab user"
		       " namespaces, as Ubuntu's own packages have), or run tcplab with sudo");
	if (c->max_user_namespaces == 0)
		return _("sudo sysctl -w user.max_user_namespaces=15000, or run tcplab with sudo");
	if (c->unprivileged_userns_clone == 0)
		return _("sudo sysctl -w kernel.unprivileged_userns_clone=1, or run tcplab with sudo");
	return _("run tcplab with sudo (inside a container: start it with --privileged, or with "
	       "--cap-add SYS_ADMIN --cap-add NET_ADMIN and seccomp allowing unshare/setns)");
}

static const char *yes_no(const struct hostenv *h, int cap)
{
	return !h->cap_known ? "?" : hostenv_has_cap(h, cap) ? _("yes") : _("no");
}

/* Where tcplab runs: a container or WSL changes why a check fails and what fixes it. */
static void where_report(const struct hostenv *h)
{
	char what[600];

	if (h->wsl == HOSTENV_WSL1) {
		snprintf(what, sizeof(what), _("where: WSL 1 (kernel '%s')"), h->kernel);
		report(false, true, what, _("WSL 1 translates Linux calls on Windows' own kernel: it has"
		       " no network namespaces, no veth and no packet capture"),
		       _("convert the distribution to WSL 2; in PowerShell: wsl --set-version"
		       " <distribution> 2 (wsl -l -v lists them), then run tcplab again"));
		return;
	}
	if (h->wsl == HOSTENV_WSL2) {
		snprintf(what, sizeof(what), _("where: WSL 2 (kernel '%s'): a real Linux kernel, the labs"
		         " run as on Linux; captures you save under your Linux home open in Wireshark"
		         " on Windows as \\\\wsl$\\<distribution>\\home\\..."), h->kernel);
		report(true, false, what, NULL, NULL);
		return;
	}
	if (h->container == HOSTENV_NONE) {
		snprintf(what, sizeof(what), _("where: a Linux host, no container (kernel '%s')"),
		         h->kernel[0] ? h->kernel : "?");
		report(true, false, what, NULL, NULL);
		return;
	}
	snprintf(what, sizeof(what), _("where: %s (%s); seccomp filter %s; capabilities: SYS_ADMIN %s,"
	         " NET_ADMIN %s, NET_RAW %s, SYS_PTRACE %s"), _(hostenv_container_name(h->container)),
	         h->how, h->seccomp == 2 ? _("on") : h->seccomp == 0 ? _("off") : _("unknown"),
	         yes_no(h, HOSTENV_CAP_SYS_ADMIN), yes_no(h, HOSTENV_CAP_NET_ADMIN),
	         yes_no(h, HOSTENV_CAP_NET_RAW), yes_no(h, HOSTENV_CAP_SYS_PTRACE));
	report(true, false, what, NULL, NULL);
}

/*
 * Ubuntu 23.10 and later: AppArmor lets a program create user namespaces only under a
 * profile that grants 'userns'. tcplab ships one (mk/apparmor/tcplab.in); is this process
 * running under it? Said only where the restriction is on.
 */
static void apparmor_report(const struct sandbox_caps *c, const struct hostenv *h)
{
	char exe[512], fix[900];
	ssize_t n;

	if (c->apparmor_restrict_userns != 1)
		return;
	if (!strncmp(h->apparmor, "tcplab", 6) && (h->apparmor[6] == ' ' || !h->apparmor[6])) {
		report(true, false, _("AppArmor restricts unprivileged user namespaces here; tcplab runs"
		       " under its own profile, which grants them"), NULL, NULL);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(fix, sizeof(fix), _("from tcplab's source tree: sudo make apparmor (writes"
	         " /etc/apparmor.d/tcplab for %s and loads it; 'make install' does the same for the"
	         " installed binary); or run tcplab with sudo"), n > 0 ? exe : "tcplab");
	report(false, !c->root, _("AppArmor restricts unprivileged user namespaces here, and tcplab"
	       " does not run under its profile"), h->apparmor[0] ? h->apparmor : NULL, fix);
}

/* In a container whose checks failed: the exact way to start one in which labs run. */
static void container_fix(const struct hostenv *h)
{
	switch (h->container) {
	case HOSTENV_DOCKER:
	case HOSTENV_OTHER:
		printf(_("\nin %s, the labs need namespaces, ptrace and an unmasked /proc. Start it"
		       " with:\n"
		       "  docker run --rm -it --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add"
		       " SYS_PTRACE \\\n"
		       "    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \\\n"
		       "    --security-opt systempaths=unconfined IMAGE\n"
		       "or, simpler and broader, docker run --privileged IMAGE. The Dockerfile at the"
		       " top of tcplab's tree\nbuilds such an image (docs/instructor-guide.md,"
		       " \"Containers\").\n"), _(hostenv_container_name(h->container)));
		break;
	case HOSTENV_PODMAN:
		fputs(_("\nin a Podman container, the labs need namespaces, ptrace and an unmasked"
		       " /proc. Start it with:\n"
		       "  podman run --rm -it --cap-add SYS_ADMIN,NET_ADMIN,SYS_PTRACE \\\n"
		       "    --security-opt seccomp=unconfined --security-opt unmask=ALL IMAGE\n"
		       "Rootless Podman works the same way: the container's root is your user,"
		       " mapped through /etc/subuid.\n"), stdout);
		break;
	case HOSTENV_GRADESCOPE:
		fputs(_("\nGradescope starts its containers itself, without the capabilities the labs"
		       " need (namespaces,\nptrace), and its flags cannot be changed. Grade on a"
		       " machine you control instead:\n"
		       "  tcplab grade N --class SUBMISSIONS --out REPORTS\n"
		       "and upload the scores (REPORTS/summary.csv). docs/instructor-guide.md,"
		       " \"Gradescope\", says more.\n"), stdout);
		break;
	case HOSTENV_NONE:
		break;
	}
}

/*
 * Namespaces refused outright (a default container): which labs can still run, on this
 * machine's own loopback (engine/sandbox.h, "Host loopback"), and which cannot. True when
 * at least one can.
 */
static bool here_report(const struct sandbox_caps *c, const struct paths *p, bool tracer_ok)
{
	struct lab *labs = NULL;
	size_t n = 0, nhere = 0;
	char err[512], line[2048];
	size_t len = 0;

	report(c->here, false, _("one-host labs on this machine's own loopback instead (namespaces"
	       " are refused here; a capture on 'lo' needs CAP_NET_RAW)"), c->here ? NULL :
	       _("no capture on 'lo' here"), _("give the container CAP_NET_RAW (Docker's default;"
	       " docker run --cap-add NET_RAW)"));
	if (!c->here || !p->root[0] || lab_load_all(p->root, &labs, &n, err, sizeof(err)) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (labs[i].topology == SANDBOX_LOOPBACK) {
			printf(_("         can run here, on the loopback: lab %d (%s)%s\n"), labs[i].number,
			       lab_text(&labs[i], labs[i].title), tracer_ok ? "" :
			       _(", once the tracer works"));
			nhere++;
		}
	for (size_t i = 0; i < n; i++)
		if (labs[i].topology != SANDBOX_LOOPBACK && len < sizeof(line) - 16)
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%d", len ? ", " : "",
			                        labs[i].number);
	if (len)
		printf(_("         cannot run here: labs %s (they need two hosts on a cable)\n"), line);
	fputs(_("         cannot run here: 'tcplab grade' (the jail needs PID and mount"
	        " namespaces)\n"), stdout);
	free(labs);
	return nhere > 0 && tracer_ok;
}

/* What a jail (engine/jail.h) gets here, as 'tcplab grade' would build one. */
struct jail_probe {
	bool ok;
	bool own_uid;           /* the program gets a uid of its own */
	bool real_root;
	unsigned uid;           /* which, as tcplab's user namespace numbers it */
	struct jail_report rep;
	char why[400];
};

/* In a forked child (it may have to enter a user namespace, as tcplab grade does): jail
 * /bin/true with the student's limits and say what applied. */
static void probe_jail(struct jail_probe *jp)
{
	static const char *const argv[] = { "/bin/true", NULL };
	struct proc_limits l = { .cpu_s = 5, .mem_bytes = 512ull << 20, .nproc = 64,
	                         .nofile = 256, .drop_user = true, .report = &jp->rep };
	struct proc_spec spec = { .argv = argv, .keep_fd = -1, .timeout_s = 5, .limits = &l };
	struct proc *p;
	int status = 0;

	memset(jp, 0, sizeof(*jp));
	jp->real_root = jail_run_uid() == JAIL_UID;
	if (sandbox_prepare(jp->why, sizeof(jp->why)) < 0)
		return;
	jp->uid = (unsigned)jail_run_uid();
	jp->own_uid = jail_run_uid() != getuid();
	p = proc_spawn(NULL, &spec, jp->why, sizeof(jp->why));
	if (!p)
		return;
	while (proc_reap(p, &status) == 0) {
		struct pollfd pfd = { .fd = proc_exit_fd(p), .events = POLLIN };

		(void)poll(&pfd, 1, proc_deadline_ms(p));
	}
	jp->ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!jp->ok)
		proc_describe(p, jp->why, sizeof(jp->why));
	proc_free(p);
}

static void jail_check(struct jail_probe *jp)
{
	int fds[2];
	pid_t pid;
	size_t have = 0;

	memset(jp, 0, sizeof(*jp));
	snprintf(jp->why, sizeof(jp->why), _("the probe did not finish"));
	if (pipe(fds) < 0 || (pid = fork()) < 0)
		return;
	if (pid == 0) {
		struct jail_probe mine;

		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		probe_jail(&mine);
		_exit(write(fds[1], &mine, sizeof(mine)) == (ssize_t)sizeof(mine) ? 0 : 1);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fds[0], (char *)jp + have, sizeof(*jp) - have);
		if (n <= 0 || (have += (size_t)n) == sizeof(*jp))
			break;
	}
	close(fds[0]);
	if (have != sizeof(*jp)) {
		memset(jp, 0, sizeof(*jp));
		snprintf(jp->why, sizeof(jp->why), _("the probe did not finish"));
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int cmd_doctor(int argc, char **argv)
{
	struct jail_probe jp;
	struct sandbox_caps c;
	struct hostenv h;
	struct paths paths;
	char tracer[256] = "", why[1200], err[1200], a[24], b[24], d[24];
	bool tracer_ok, can_run, some_run;

	if (argc > 1) {
		bool help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");
		fputs(_("usage: tcplab doctor\n"
		        "Says where it runs (a Linux host, a Docker, Podman or Gradescope container,\n"
		        "WSL 1 or 2), then checks namespaces, veth, live capture, the syscall tracer and\n"
		        "the grading jail, with the exact fix for each that fails; exits 0 when labs\n"
		        "can run.\n"), help ? stdout : stderr);
		return help ? 0 : 2;
	}
	sandbox_probe(&c);
	memset(&paths, 0, sizeof(paths));
	/* Only the build directory matters here; a missing source tree is another command's
	 * problem, so paths_find's verdict on it is ignored. */
	(void)paths_find(&paths, err, sizeof(err));
	tracer_ok = tracer_probe(tracer, sizeof(tracer)) == 0;

	hostenv_probe(&h, "");
	fputs(_("tcplab doctor: what this system allows for the labs\n\n"), stdout);
	where_report(&h);
	if (c.root)
		report(true, false, _("privileges: root (CAP_SYS_ADMIN): namespaces are created directly"),
		       NULL, NULL);
	else if (geteuid() == 0)
		report(true, false, _("privileges: root, but without CAP_SYS_ADMIN over this network "
		       "namespace (a container or user namespace): tcplab makes namespaces of its own"),
		       NULL, NULL);
	else
		report(true, false, _("privileges: not root: tcplab enters a user namespace of its own"),
		       NULL, NULL);

	snprintf(why, sizeof(why), "%s", c.userns_why);
	if (c.root)
		report(c.userns, false, c.userns ? _("unprivileged user namespaces: available (tried as "
		       "uid 65534), so tcplab also runs without sudo") : _("unprivileged user namespaces: "
		       "unavailable, so tcplab needs sudo here"), why, userns_fix(&c));
	else
		report(c.userns, true, _("unprivileged user namespaces (tried as this user)"), why,
		       userns_fix(&c));
	apparmor_report(&c, &h);
	sysctl_str(a, sizeof(a), c.max_user_namespaces);
	sysctl_str(b, sizeof(b), c.unprivileged_userns_clone);
	sysctl_str(d, sizeof(d), c.apparmor_restrict_userns);
	printf("         user.max_user_namespaces=%s kernel.unprivileged_userns_clone=%s "
	       "kernel.apparmor_restrict_unprivileged_userns=%s\n", a, b, d);

	report(c.netns, true, _("network namespaces (a private loopback host)"), c.netns_why,
	       c.root ? _("the kernel needs CONFIG_NET_NS; inside a container, start it with "
	       "--privileged or --cap-add SYS_ADMIN") : userns_fix(&c));
	report(c.veth, true, _("two hosts on a cable (veth pair, bridge, offloads off)"), c.veth_why,
	       _("the kernel needs veth and bridge support: sudo modprobe veth bridge"));
	report(c.capture, true, _("live capture on 'lo' inside a sandbox (libpcap)"), c.capture_why,
	       _("the kernel needs packet sockets (CONFIG_PACKET: sudo modprobe af_packet); run "
	       "tcplab with sudo if capture is refused"));
	report(tracer_ok, true, _("the syscall tracer (ptrace with a seccomp filter)"), tracer,
	       _("inside a container, allow ptrace (docker run --cap-add SYS_PTRACE, or a seccomp"
	       " profile that permits ptrace); on the host, set kernel.yama.ptrace_scope to 1 or"
	       " less"));

	jail_check(&jp);
	report(jp.ok, true, _("the jail 'tcplab grade' builds for the compiler and the student's"
	       " program (an allowlisted root, its own /proc, IPC, UTS)"), jp.why,
	       _("Linux 5.12 or later is needed; inside a container, /proc must not be masked"
	       " (docker run --privileged, or --security-opt systempaths=unconfined)"));
	if (jp.ok)
		report(jp.rep.cgroup, false, jp.rep.limits, jp.rep.cgroup ? NULL :
		       "without a cgroup a program's processes each get the memory limit",
		       _("run tcplab as root, or from a cgroup v2 subtree delegated to you with the"
		       " memory and pids controllers enabled"));
	if (jp.real_root)
		report(true, false, _("the compiler and the student's program run as uid 2147483000"
		       " (no passwd entry, owns no file)"), NULL, NULL);
	else if (jp.own_uid) {
		snprintf(err, sizeof(err), _("the compiler and the student's program run as uid %u of"
		         " tcplab's user namespace, a subordinate uid of yours (/etc/subuid)"), jp.uid);
		report(true, false, err, NULL, NULL);
	} else
		report(false, false, _("the compiler and the student's program would run as you:"
		       " 'tcplab grade' refuses unless --allow-same-uid"),
		       _("/etc/subuid and /etc/subgid grant you no range, or newuidmap is missing"),
		       _("as root, add 'USER:100000:65536' (a range no other user has) to /etc/subuid"
		       " and /etc/subgid and install newuidmap (package uidmap); or grade as root"));

	some_run = c.refused && here_report(&c, &paths, tracer_ok);
	can_run = c.netns && c.veth && c.capture && tracer_ok && jp.ok && h.wsl != HOSTENV_WSL1;
	if (!can_run)
		container_fix(&h);
	printf("\n%s\n", can_run ? _("labs can run.") : some_run ? _("only the one-host labs named"
	       " above can run here, on this machine's own loopback; the others and grading need"
	       " the FAIL lines above fixed.") : _("labs cannot run until the FAIL lines above "
	       "are fixed."));
	return can_run ? 0 : 1;
}
