/* summary: 'tcplab doctor': say what this system allows for the labs, and exactly how to fix what it does not. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/paths.h"
#include "engine/sandbox.h"

#define TRACER "libtcplab-trace.so"

/* A check's line, and when it failed, why and what to do; 'fatal' checks decide the exit. */
static void report(bool ok, bool fatal, const char *what, const char *why, const char *fix)
{
	printf("  %-6s %s\n", ok ? "ok" : fatal ? "FAIL" : "note", what);
	if (ok)
		return;
	if (why && *why)
		printf("         why: %s\n", why);
	if (fix && *fix)
		printf("         fix: %s\n", fix);
}

static void sysctl_str(char *buf, size_t len, long v)
{
	if (v < 0)
		snprintf(buf, len, "(absent)");
	else
		snprintf(buf, len, "%ld", v);
}

/* The most specific fix the kernel switches point at, for user namespaces. */
static const char *userns_fix(const struct sandbox_caps *c)
{
	if (c->apparmor_restrict_userns == 1)
		return "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or run tcplab "
		       "with sudo";
	if (c->max_user_namespaces == 0)
		return "sudo sysctl -w user.max_user_namespaces=15000, or run tcplab with sudo";
	if (c->unprivileged_userns_clone == 0)
		return "sudo sysctl -w kernel.unprivileged_userns_clone=1, or run tcplab with sudo";
	return "run tcplab with sudo (inside a container: start it with --privileged, or with "
	       "--cap-add SYS_ADMIN --cap-add NET_ADMIN and seccomp allowing unshare/setns)";
}

int cmd_doctor(int argc, char **argv)
{
	struct sandbox_caps c;
	struct paths paths;
	char tracer[1100], why[1200], err[1200], a[24], b[24], d[24];
	bool tracer_ok, can_run;

	if (argc > 1) {
		bool help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");
		fprintf(help ? stdout : stderr, "usage: tcplab doctor\n"
		        "Checks namespaces, veth, live capture and the syscall tracer; exits 0 when "
		        "labs can run.\n");
		return help ? 0 : 2;
	}
	sandbox_probe(&c);
	memset(&paths, 0, sizeof(paths));
	/* Only the build directory matters here; a missing source tree is another command's
	 * problem, so paths_find's verdict on it is ignored. */
	(void)paths_find(&paths, err, sizeof(err));
	snprintf(tracer, sizeof(tracer), "%s/%s", paths.build[0] ? paths.build : ".", TRACER);
	tracer_ok = access(tracer, R_OK) == 0;

	printf("tcplab doctor: what this system allows for the labs\n\n");
	if (c.root)
		report(true, false, "privileges: root (CAP_SYS_ADMIN): namespaces are created directly",
		       NULL, NULL);
	else if (geteuid() == 0)
		report(true, false, "privileges: root, but without CAP_SYS_ADMIN over this network "
		       "namespace (a container or user namespace): tcplab makes namespaces of its own",
		       NULL, NULL);
	else
		report(true, false, "privileges: not root: tcplab enters a user namespace of its own",
		       NULL, NULL);

	snprintf(why, sizeof(why), "%s", c.userns_why);
	if (c.root)
		report(c.userns, false, c.userns ? "unprivileged user namespaces: available (tried as "
		       "uid 65534), so tcplab also runs without sudo" : "unprivileged user namespaces: "
		       "unavailable, so tcplab needs sudo here", why, userns_fix(&c));
	else
		report(c.userns, true, "unprivileged user namespaces (tried as this user)", why,
		       userns_fix(&c));
	sysctl_str(a, sizeof(a), c.max_user_namespaces);
	sysctl_str(b, sizeof(b), c.unprivileged_userns_clone);
	sysctl_str(d, sizeof(d), c.apparmor_restrict_userns);
	printf("         user.max_user_namespaces=%s kernel.unprivileged_userns_clone=%s "
	       "kernel.apparmor_restrict_unprivileged_userns=%s\n", a, b, d);

	report(c.netns, true, "network namespaces (a private loopback host)", c.netns_why,
	       c.root ? "the kernel needs CONFIG_NET_NS; inside a container, start it with "
	       "--privileged or --cap-add SYS_ADMIN" : userns_fix(&c));
	report(c.veth, true, "two hosts on a cable (veth pair, bridge, offloads off)", c.veth_why,
	       "the kernel needs veth and bridge support: sudo modprobe veth bridge");
	report(c.capture, true, "live capture on 'lo' inside a sandbox (libpcap)", c.capture_why,
	       "the kernel needs packet sockets (CONFIG_PACKET: sudo modprobe af_packet); run "
	       "tcplab with sudo if capture is refused");
	snprintf(why, sizeof(why), "'%s' is missing or unreadable", tracer);
	snprintf(err, sizeof(err), "syscall tracer %s", tracer);
	report(tracer_ok, true, err, why, "build it with 'make' in the tcplab source tree, or set "
	       "TCPLAB_BUILD to the directory that holds it");

	can_run = c.netns && c.veth && c.capture && tracer_ok;
	printf("\n%s\n", can_run ? "labs can run." : "labs cannot run until the FAIL lines above "
	       "are fixed.");
	return can_run ? 0 : 1;
}
