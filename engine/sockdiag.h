/* summary: the kernel's own view of a network namespace's TCP sockets (NETLINK_SOCK_DIAG): states and timers. */
#ifndef TCPLAB_ENGINE_SOCKDIAG_H
#define TCPLAB_ENGINE_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Contract: sockdiag_tcp_list() asks the kernel of the CALLING THREAD's network namespace
 * (what 'ss -tan -o' reads there) for its IPv4 TCP sockets, in every state, TIME-WAIT
 * included, with the timer each runs: nothing is inferred from segments. A lab reads it
 * at the end of a run to check what the kernel still holds ("the client's kernel holds
 * TIME-WAIT, 60 s on its timer"). Fills at most max entries; *n is how many the kernel
 * reported (may be more than max). 0, or a negative errno with errbuf set.
 */

/* The kernel's numbers (include/net/tcp_states.h), which sock_diag reports. */
enum sockdiag_state {
	SOCKDIAG_ESTABLISHED = 1, SOCKDIAG_SYN_SENT, SOCKDIAG_SYN_RECV, SOCKDIAG_FIN_WAIT1,
	SOCKDIAG_FIN_WAIT2, SOCKDIAG_TIME_WAIT, SOCKDIAG_CLOSE, SOCKDIAG_CLOSE_WAIT,
	SOCKDIAG_LAST_ACK, SOCKDIAG_LISTEN, SOCKDIAG_CLOSING,
};

struct sockdiag_tcp {
	uint8_t state;          /* enum sockdiag_state */
	uint8_t timer;          /* idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 TIME-WAIT,
	                           4 zero-window probe */
	uint16_t sport, dport;  /* host order */
	uint8_t src[4], dst[4]; /* IPv4, network order */
	uint32_t expires_ms;    /* what is left on that timer */
};

int sockdiag_tcp_list(struct sockdiag_tcp *out, size_t max, size_t *n, char *errbuf,
                      size_t errlen);

/* "TIME-WAIT", "ESTABLISHED"...; "?" for a number the table does not have. */
const char *sockdiag_state_name(int state);
/* The state for a lab file's word: "time-wait", "close-wait", "fin-wait-2"...; -1 if none. */
int sockdiag_state_from_word(const char *word);

#endif
