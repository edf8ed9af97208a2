/* fuzz_image.c: the compiled-image loader. Bytes go through image__from_buf (which
 * validates); an image it takes is disassembled, written back and read again, then
 * opened on the vliw engine and run over one packet (faults are fine, crashes not).
 * Its maps are created small (mapcap.c); the vliw engine interprets (no translation to
 * C and compile per input). */
#include <stdio.h>
#include <stdlib.h>
#include "engine.h"
#include "env.h"
#include "fuzz.h"
#include "image.h"
#include "obj.h"
#include "xdp.h"

static void run_image(const struct image *img)
{
	static const uint8_t pkt[64] = { [12] = 0x08, [14] = 0x45 };
	const struct engine_ops *eng = engine__find("vliw");
	struct engine_opts eo = { .lanes = (int)img->lanes, .opt = (int)img->opt,
				  .interp = 1 };
	struct hxdp_obj *obj = NULL;
	struct hxdp_run *r = malloc(sizeof(*r));
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;
	void *st = NULL;
	char err[256];

	if (r && x && eng && !image__obj_from(img, &obj, err, sizeof(err)) &&
	    !eng->open(obj, &eo, &st, err, sizeof(err))) {
		obj->env.budget = 4096;
		run__init(r, &obj->env);
		xdp__init(x, pkt, sizeof(pkt));
		for (uint32_t p = 0; p < obj->nprogs; p++)
			eng->run(st, p, r, run__packet(r, x, &res));
	}
	if (st)
		eng->close(st);
	obj__close(obj);
	free(r);
	free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image *img = NULL, *again = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[256];
	FILE *null;

	image__is_image(data, size);
	if (image__from_buf(data, size, &img, err, sizeof(err)))
		return 0;
	if ((null = fopen("/dev/null", "w"))) {
		image__disasm(img, null, size & 1);
		fclose(null);
	}
	if (!image__to_buf(img, &buf, &len) &&
	    image__from_buf(buf, len, &again, err, sizeof(err))) {
		fprintf(stderr, "an image read back from its own bytes is refused: %s\n", err);
		abort();
	}
	run_image(img);
	image__free(again);
	image__free(img);
	free(buf);
	return 0;
}
