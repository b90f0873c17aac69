/* summary: a userspace cable between the two hosts that drops, delays and reorders chosen segments. */
#ifndef TCPLAB_ENGINE_WIRE_H
#define TCPLAB_ENGINE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: the kernel here has no netem and the machines no iptables (TCP-FACTS.md), so a
 * lab that needs a faulty cable gets one in user space: the wire namespace's two cable
 * ends (sandbox_wire_ports()) are joined by a thread that reads each frame from one end
 * with a packet socket and writes it to the other, applying the lab's named faults. Faults
 * are chosen by counting segments per direction, never by chance, so the same lab.conf
 * gives the same losses on every run.
 *
 * A fault is one lab.conf line (docs/lab-format.md, "Faults on the wire"):
 *   drop FROM syn|data N [N...]   drop the Nth SYN (or segment carrying data) FROM sends;
 *                                 FROM is client or server; retransmissions are counted
 *                                 too, so "drop client data 1 2 3" loses a segment and its
 *                                 next two copies when nothing else is sent in between
 *   delay FROM|both MS            every frame FROM sends reaches the other end MS ms late
 *   reorder FROM data N M         the Nth data segment is held until the Mth has passed
 *                                 (N < M): the receiver gets M first
 *
 * The wire carries 100 Mbit/s: a frame takes its length times 80 ns, and frames leave at
 * least that far apart in each direction, as on a real cable, even after the machine held
 * the thread up (a bunch of frames would be acknowledged as one).
 *
 * The capture is taken on the client's eth0, before the wire: a segment the client sends
 * is always captured, then dropped or held by the wire; a segment from the server the wire
 * drops is never captured. The wire says what it did in notes ("tcplab wire: drops the
 * client's data segment 3 (seq 2897, 1448 bytes)"), each stamped with CLOCK_REALTIME
 * nanoseconds, read by the run's loop from wire_notes_fd().
 */

enum wire_kind { WIRE_DROP, WIRE_DELAY, WIRE_REORDER };
enum wire_what { WIRE_SYN, WIRE_DATA };

#define WIRE_MAX_FAULTS 4
#define WIRE_MAX_ORDINALS 8
#define WIRE_BOTH 2             /* 'from' of a delay on both directions */

struct wire_fault {
	enum wire_kind kind;
	int from;                       /* enum sandbox_host, or WIRE_BOTH (delay only) */
	enum wire_what what;
	size_t nn;
	unsigned n[WIRE_MAX_ORDINALS];  /* 1-based ordinals; reorder: n[0] held until n[1] */
	unsigned ms;                    /* delay */
};

struct wire_plan {
	size_t n;
	struct wire_fault f[WIRE_MAX_FAULTS];
};

/* Parse one fault line into plan->f[plan->n++]; -1 with why in errbuf. */
int wire_plan_add(struct wire_plan *plan, const char *text, char *errbuf, size_t errlen);

struct wire;

/* Start forwarding between the packet sockets of the two cable ends (taken over: closed
 * by wire_free()). NULL with errbuf on failure (then the sockets are closed too). */
struct wire *wire_start(int client_end, int server_end, const struct wire_plan *plan,
                        char *errbuf, size_t errlen);
/* Stops the thread, closes everything. NULL is fine. */
void wire_free(struct wire *w);

/* The most a frame left later than it was due so far (its delay, the cable's rate), in ns:
 * the machine held the thread up, and a time measured on this cable was the machine's.
 * Timed from when the thread read each frame: a wait before the read is not seen. 0 for
 * NULL. */
uint64_t wire_late_ns(const struct wire *w);

/* Readable when notes are waiting. */
int wire_notes_fd(const struct wire *w);
/* The next complete note, without blocking: 1 with *t_ns and text, 0 when none is ready. */
int wire_note_next(struct wire *w, uint64_t *t_ns, char *text, size_t len);

#endif
