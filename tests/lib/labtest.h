/* summary: test helper: run a lab variant for real, keep its capture, judge its summary. */
#ifndef TCPLAB_TESTS_LIB_LABTEST_H
#define TCPLAB_TESTS_LIB_LABTEST_H

#include <stddef.h>

#include "tests/lib/tcplab_run.h"

/*
 * labtest_run() skips the test (with the reason) when not root, else runs
 * 'tcplab run LAB --variant VARIANT --pcap FILE' with FILE a fresh temporary file whose
 * name it leaves in pcap (the caller unlinks it), and fails the test unless tcplab exited
 * 0. labtest_all_passed() fails the test unless the run's "N of N checks passed" line
 * shows every one of at least min_checks checks passed and no FAIL line.
 *
 * A run that stayed inconclusive because the machine held its programs up in all of
 * tcplab's tries (a stall, or slower than the variant's pace) says nothing about the lab:
 * labtest_skip_if_stalled() skips the test then, with the reason tcplab gave (labtest_run()
 * calls it; pcap, if not NULL, is unlinked first).
 */
void labtest_run(struct tcplab_result *r, int lab, const char *variant, char *pcap,
                 size_t len);
void labtest_all_passed(const char *out, int min_checks);
void labtest_skip_if_stalled(const struct tcplab_result *r, int lab, const char *variant,
                             const char *pcap);

#endif
