/* cc_encode.c: scheduled rows to lane words (docs/isa-ext.md "Encoding"): jump offsets
 * in rows, 64-bit constants into the image's pool, the second source of the 3-operand
 * ALU in imm, helper ids into the image's list, each word's eBPF origin. */
#include <errno.h>
#include "cc.h"
#include "image.h"
#include "obj.h"

static int encode_one(struct cc *c, struct image *img, uint32_t row, const struct cc_insn *in,
		      struct bpf_insn *w)
{
	int32_t imm = in->imm;
	int off = in->off;
	int64_t k;

	switch (cc__form(in)) {
	case F_JA: case F_JCC_K: case F_JCC_X: case F_JPKT:
		off = (int)c->b[in->tgt].row - (int)(row + 1);
		if (off < INT16_MIN || off > INT16_MAX)
			return cc__fail(c, in->origin, "jump of %d rows does not fit", off);
		break;
	case F_LDK:
		if ((k = image__add_const(img, in->k)) < 0)
			return (int)k;
		imm = (int32_t)k;
		break;
	case F_ALU3_X:
		imm = in->src2;
		break;
	case F_CALL:
		if ((k = image__add_helper(img, in->imm)) < 0)
			return (int)k;
		break;
	}
	if (isa_encode(in->op, in->dst, in->src, off, imm, w))
		return cc__fail(c, in->origin, "cannot encode %s", isa_info[in->op].mnem);
	return 0;
}

int cc_encode__run(struct cc *c, struct image *img)
{
	int64_t first;
	int e;

	if (img->lanes != (uint32_t)c->o.lanes)
		return cc__fail(c, CC_NONE, "image of %u lanes, program scheduled for %d",
				img->lanes, c->o.lanes);
	if ((first = image__add_rows(img, c->nrows)) < 0)
		return (int)first;
	for (uint32_t r = 0; r < c->nrows; r++)
		for (int l = 0; l < c->o.lanes; l++) {
			uint32_t i = c->rows[(size_t)r * c->o.lanes + l];
			size_t at = (size_t)(first + r) * img->lanes + l;

			if (i == CC_NONE)
				continue;
			/* rows of this program are relative to its first row */
			if ((e = encode_one(c, img, r, &c->v[i], &img->words[at])))
				return e;
			img->origin[at] = c->v[i].origin;
		}
	return image__add_prog(img, c->prog->name, c->prog->sec, c->prog->idx, (uint32_t)first,
			       c->nrows, c->ninsns_in);
}
