/* summary: one run record: a lab run or a grade saved as one pcapng file, and read back. */
#ifndef TCPLAB_ENGINE_RECORD_H
#define TCPLAB_ENGINE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Contract: a record is a pcapng file (docs/record-format.md) holding a run's frames as
 * Enhanced Packet Blocks and everything else tcplab knows of the run (both hosts' socket
 * calls, the programs' output, the lab's cable cuts and kills, the run's lab, variant,
 * seed and scenario, its variables and the verdicts) as pcapng Custom Blocks that
 * Wireshark, tshark and libpcap skip. One custom block per event; fixed little-endian
 * fields and length-prefixed strings, never a C struct as it lies in memory.
 *
 * record_read() gives back a struct labrun built as the live run built it: the frames go
 * through the same dissector and flow tracker into the same timeline, the calls and output
 * lines are added to it, and timeline_build() orders it. So anything that shows a live run
 * (the text ladder, the checks) shows a saved one, and a saved run's timeline equals the
 * live one's. Its lab and variant pointers are NULL (the record names them: lab_number,
 * lab_slug, variant); nothing else of it is missing.
 *
 * Reading is for hostile files: every length is checked against what is left of its
 * block and of the field it fills, counts are capped, and the end block's counts must
 * match what was read, so a truncated or damaged record is refused with a message that
 * names the block and byte where it broke, never half-read in silence.
 */

struct labrun;
struct grade_result;
struct flow_table;

/* The run's raw frames, kept (labrun_opts.keep_frames) so that its record holds the wire
 * exactly as captured. Past RECORD_FRAMES_KEPT bytes a frame keeps its first
 * RECORD_FRAME_CUT bytes (its headers; a pcap snap length), which cannot change the
 * timeline: by then the timeline's own payload budget is spent (timeline.h). */
#define RECORD_FRAMES_KEPT (64u << 20)
#define RECORD_FRAME_CUT 256

struct record_frame {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	size_t off;                     /* into record_frames.buf */
};

struct record_frames {
	int dlt;                        /* libpcap's DLT_ of the frames; read back from a
	                                   record, the file's LINKTYPE_ (dissect takes both) */
	struct record_frame *f;
	size_t n, cap;
	uint8_t *buf;
	size_t len, bufcap;
};

void record_frames_init(struct record_frames *fr, int dlt);
void record_frames_release(struct record_frames *fr);
/* 0, or -1 when memory ran out. */
int record_frames_add(struct record_frames *fr, const uint8_t *pkt, size_t caplen,
                      size_t wirelen, uint64_t ts_ns);

/* The version of the payload format this code writes, and the newest it reads. */
#define RECORD_VERSION 1
/* The pcapng block type of tcplab's blocks: a Custom Block that rewriters must not copy
 * into other files (its events point at this file's packets by number). */
#define RECORD_BLOCK_TYPE 0x40000BADu
/* The Private Enterprise Number of the custom blocks: IANA's number for documentation
 * (RFC 5612) until tcplab has one of its own; the "TCPL" magic in every payload tells
 * tcplab's blocks from anyone else's with the same number. */
#define RECORD_PEN 32473u

enum record_kind { RECORD_RUN = 1, RECORD_GRADE = 2 };

struct record {
	enum record_kind kind;
	struct labrun *run;             /* lab, variant NULL; run->frames the file's frames */
	struct flow_table *ft;          /* the frames' connections, as the live run tracked them
	                                   (labrun_rejudge() matches them again) */
	int lab_number;
	char lab_slug[64];
	char lab_title[128];
	char variant[32];
	int scenarios;                  /* a grade's runs against the drivers */
	double score, max;              /* a grade's */
	double *check_score, *check_max;    /* a grade's, one per run->check; NULL for a run */
	char note[512];                 /* a grade's note for the student */
	uint32_t version;               /* the format version the file was written in */
};

/*
 * Save a finished run (run->done), or a grade (its checks, scores and g->run when it ran),
 * to path through util/safefile: written whole to a temporary file renamed over path,
 * never through a symbolic link. 0, or -1 with the reason in errbuf.
 */
int record_write_run(const char *path, const struct labrun *run, char *errbuf, size_t errlen);
int record_write_grade(const char *path, const struct grade_result *g, char *errbuf,
                       size_t errlen);

/* Read a record; name is for messages. 0 with *out set (record_free() it), or -1 with the
 * reason in errbuf: "'x.pcapng' is not a tcplab record: ...", "... is truncated: ...". */
int record_read(const char *path, struct record **out, char *errbuf, size_t errlen);
int record_read_file(FILE *f, const char *name, struct record **out, char *errbuf,
                     size_t errlen);

/* Does path look like a record (a pcapng file whose first custom block is tcplab's)?
 * Reads the first few blocks only; false for anything else, unreadable files included. */
bool record_probe(const char *path);

void record_free(struct record *rec);

#endif
