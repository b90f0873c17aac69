/* summary: libFuzzer target: flow tracking and expert analysis over fuzzed segment sequences. */
#include <stdint.h>
#include <stdlib.h>

#include "capture/flow.h"
#include "fuzz/segdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_table *ft = flow_new();
	uint64_t ts = 1700000000ull * 1000000000ull;
	uint32_t frame = 0;
	char buf[128];

	if (!ft)
		return 0;
	for (size_t off = 0; off + SEGDEC_REC <= size; off += SEGDEC_REC) {
		struct tcp_segment seg;
		struct flow_info fi;
		if (segdec_decode(data + off, &ts, ++frame, &seg)) {
			flow_malformed(ft, &seg);
			continue;
		}
		if (flow_track(ft, &seg, &fi) < 0)
			abort();
		if (!fi.conn || fi.conn->id >= flow_count(ft) || flow_get(ft, fi.conn->id) != fi.conn)
			abort();
		if (fi.dir != FLOW_C2S && fi.dir != FLOW_S2C)
			abort();
		struct flow_seg fs;
		flow_seg_set(&fs, &seg, &fi);
		(void)flow_state_name(fi.conn->side[fi.dir].state);
		flow_endpoint_str(fi.conn, fi.dir, buf, sizeof buf);
		flow_endpoint_str(fi.conn, !fi.dir, buf, 5);
	}
	/* Memory grows with connections, never with segments: 4 port pairs x 2 families,
	 * plus the ones port reuse starts (at most one per SYN). */
	if (flow_count(ft) > frame)
		abort();
	flow_free(ft);
	return 0;
}
