/* image.c: compiled VLIW images (docs/isa-ext.md "Image format"): building, the
 * serialized form, validation of every row constraint, disassembly, and objects made
 * from an image for `hxdp run IMAGE`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <bpf/libbpf.h>
#include "asm.h"
#include "cc.h"
#include "cli.h"
#include "helpers.h"
#include "image.h"
#include "maps.h"
#include "obj.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "image.c writes the little-endian format with host stores"
#endif

/* ---- building ---- */

struct image *image__new(uint32_t lanes, uint32_t xdelay, uint32_t opt)
{
	struct image *img = calloc(1, sizeof(*img));

	if (!img)
		return NULL;
	img->version = IMAGE_VERSION;
	img->lanes = lanes;
	img->nregs = IMAGE_NREGS;
	img->xdelay = xdelay;
	img->opt = opt;
	return img;
}

void image__free(struct image *img)
{
	if (!img)
		return;
	free(img->progs);
	free(img->maps);
	free(img->words);
	free(img->origin);
	free(img->consts);
	free(img->helpers);
	free(img->data);
	free(img);
}

static int grow(void **p, size_t elem, uint32_t have, uint32_t add)
{
	void *n;

	if ((uint64_t)have + add > IMAGE_MAX_ROWS * (uint64_t)CC_MAX_LANES)
		return -E2BIG;
	n = realloc(*p, (have + add) ? (have + add) * elem : 1);
	if (!n)
		return -ENOMEM;
	*p = n;
	return 0;
}

int64_t image__add_rows(struct image *img, uint32_t n)
{
	size_t w0 = (size_t)img->nrows * img->lanes, nw = (size_t)n * img->lanes;
	int e;

	if (img->nrows + (uint64_t)n > IMAGE_MAX_ROWS)
		return -E2BIG;
	if ((e = grow((void **)&img->words, sizeof(*img->words), w0, nw)) ||
	    (e = grow((void **)&img->origin, sizeof(*img->origin), w0, nw)))
		return e;
	memset(img->words + w0, 0, nw * sizeof(*img->words));
	for (size_t i = 0; i < nw; i++)
		img->origin[w0 + i] = IMAGE_NO_ORIGIN;
	img->nrows += n;
	return img->nrows - n;
}

int64_t image__add_const(struct image *img, uint64_t k)
{
	int e;

	for (uint32_t i = 0; i < img->nconsts; i++)
		if (img->consts[i] == k)
			return i;
	if ((e = grow((void **)&img->consts, sizeof(*img->consts), img->nconsts, 1)))
		return e;
	img->consts[img->nconsts] = k;
	return img->nconsts++;
}

int image__add_helper(struct image *img, int32_t id)
{
	int e;

	for (uint32_t i = 0; i < img->nhelpers; i++)
		if (img->helpers[i] == id)
			return 0;
	if ((e = grow((void **)&img->helpers, sizeof(*img->helpers), img->nhelpers, 1)))
		return e;
	img->helpers[img->nhelpers++] = id;
	return 0;
}

int image__add_prog(struct image *img, const char *name, const char *sec, uint32_t idx,
		    uint32_t first_row, uint32_t nrows, uint32_t ninsns)
{
	struct image_prog *p;
	int e;

	if ((e = grow((void **)&img->progs, sizeof(*img->progs), img->nprogs, 1)))
		return e;
	p = &img->progs[img->nprogs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->sec, sizeof(p->sec), "%s", sec);
	p->idx = idx;
	p->first_row = first_row;
	p->nrows = nrows;
	p->ninsns = ninsns;
	return 0;
}

static int nonzero(const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[i])
			return 1;
	return 0;
}

int image__set_maps(struct image *img, const struct hxdp_obj *obj, char *err, size_t errlen)
{
	const struct hxdp_env *env = &obj->env;

	free(img->maps);
	free(img->data);
	img->maps = calloc(env->nmaps ? env->nmaps : 1, sizeof(*img->maps));
	img->data = NULL;
	img->nmaps = img->ndata = 0;
	if (!img->maps)
		return -ENOMEM;
	for (uint32_t i = 0; i < env->nmaps; i++) {
		const struct hxdp_map *m = env->maps[i];
		struct image_map *im = &img->maps[i];
		uint32_t zero = 0, vs;

		snprintf(im->name, sizeof(im->name), "%s", m->name);
		im->type = m->type;
		im->key_size = m->key_size;
		im->value_size = m->value_size;
		im->max_entries = m->max_entries;
		im->map_flags = m->map_flags;
		im->inner = m->inner;
		im->rdonly_prog = m->rdonly_prog;
		im->frozen = m->frozen;
		img->nmaps++;
		/* global data: an array's key 0 as the loader left it */
		vs = map__user_value_size(m);
		if (m->type != BPF_MAP_TYPE_ARRAY || m->key_size != 4 || !vs)
			continue;
		{
			uint8_t *val = calloc(1, vs), *nd;

			if (!val)
				return -ENOMEM;
			if (map__user_lookup((struct hxdp_map *)m, &zero, val) || !nonzero(val, vs)) {
				free(val);
				continue;
			}
			nd = realloc(img->data, img->ndata + vs);
			if (!nd) {
				free(val);
				return -ENOMEM;
			}
			img->data = nd;
			memcpy(img->data + img->ndata, val, vs);
			im->data_off = img->ndata;
			im->data_len = vs;
			img->ndata += vs;
			free(val);
		}
	}
	(void)err;
	(void)errlen;
	return 0;
}

/* ---- serialized form ---- */

struct wbuf {
	uint8_t *b;
	size_t n, cap;
	int e;
};

static void put(struct wbuf *w, const void *p, size_t n)
{
	if (w->e || !n)
		return;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		uint8_t *nb;

		while (cap < w->n + n)
			cap *= 2;
		if (!(nb = realloc(w->b, cap))) {
			w->e = -ENOMEM;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put32(struct wbuf *w, uint32_t v)
{
	put(w, &v, 4);
}

int image__to_buf(const struct image *img, uint8_t **buf, size_t *len)
{
	struct wbuf w = { 0 };
	uint8_t hdr[IMAGE_HDR_SIZE] = { 0 };
	size_t nw = (size_t)img->nrows * img->lanes;

	memcpy(hdr, IMAGE_MAGIC, 8);
	memcpy(hdr + 8, &(uint32_t){ img->version }, 4);
	memcpy(hdr + 12, &(uint32_t){ IMAGE_HDR_SIZE }, 4);
	hdr[16] = img->lanes;
	hdr[17] = img->nregs;
	hdr[18] = img->xdelay;
	hdr[19] = img->opt;
	memcpy(hdr + 20, &img->nprogs, 4);
	memcpy(hdr + 24, &img->nmaps, 4);
	memcpy(hdr + 28, &img->nrows, 4);
	memcpy(hdr + 32, &img->nconsts, 4);
	memcpy(hdr + 36, &img->nhelpers, 4);
	memcpy(hdr + 40, &img->ndata, 4);
	put(&w, hdr, sizeof(hdr));
	for (uint32_t i = 0; i < img->nprogs; i++) {
		const struct image_prog *p = &img->progs[i];

		put(&w, p->name, 64);
		put(&w, p->sec, 64);
		put32(&w, p->first_row);
		put32(&w, p->nrows);
		put32(&w, p->ninsns);
		put32(&w, p->idx);
	}
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *m = &img->maps[i];

		put(&w, m->name, 16);
		put32(&w, m->type);
		put32(&w, m->key_size);
		put32(&w, m->value_size);
		put32(&w, m->max_entries);
		put32(&w, m->map_flags);
		put32(&w, (uint32_t)m->inner);
		put32(&w, m->data_off);
		put32(&w, m->data_len);
		put32(&w, m->rdonly_prog);
		put32(&w, m->frozen);
	}
	put(&w, img->words, nw * sizeof(*img->words));
	put(&w, img->origin, nw * sizeof(*img->origin));
	put(&w, img->consts, img->nconsts * sizeof(*img->consts));
	put(&w, img->helpers, img->nhelpers * sizeof(*img->helpers));
	put(&w, img->data, img->ndata);
	put(&w, (const uint8_t[8]){ 0 }, (8 - w.n % 8) % 8);	/* whole lane words */
	if (w.e) {
		free(w.b);
		return w.e;
	}
	*buf = w.b;
	*len = w.n;
	return 0;
}

int image__write(const struct image *img, const char *path, char *err, size_t errlen)
{
	uint8_t *b;
	size_t n;
	FILE *f;
	int e = image__to_buf(img, &b, &n);

	if (e) {
		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n) {
		e = -errno;
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	}
	if (f && fclose(f) && !e) {
		e = -errno;
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	}
	free(b);
	return e;
}

int image__is_image(const void *buf, size_t len)
{
	return len >= 8 && !memcmp(buf, IMAGE_MAGIC, 8);
}

struct rbuf {
	const uint8_t *b;
	size_t n, pos;
};

static int take(struct rbuf *r, void *dst, size_t n)
{
	if (r->pos + n > r->n || r->pos + n < r->pos)
		return -1;
	if (dst && n)
		memcpy(dst, r->b + r->pos, n);
	r->pos += n;
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void *alloc_n(size_t n, size_t elem)
{
	return calloc(n ? n : 1, elem);
}

static int hdr_parse(struct image *img, const uint8_t *h, size_t len, char *err,
		     size_t errlen)
{
	if (len < IMAGE_HDR_SIZE || !image__is_image(h, len)) {
		snprintf(err, errlen, "not an hxdp image (bad magic or shorter than its header)");
		return -EINVAL;
	}
	img->version = get32(h + 8);
	if (img->version != IMAGE_VERSION || get32(h + 12) != IMAGE_HDR_SIZE) {
		snprintf(err, errlen, "image version %u (header %u bytes) is not supported "
			 "(version %u)", img->version, get32(h + 12), IMAGE_VERSION);
		return -ENOTSUP;
	}
	img->lanes = h[16];
	img->nregs = h[17];
	img->xdelay = h[18];
	img->opt = h[19];
	img->nprogs = get32(h + 20);
	img->nmaps = get32(h + 24);
	img->nrows = get32(h + 28);
	img->nconsts = get32(h + 32);
	img->nhelpers = get32(h + 36);
	img->ndata = get32(h + 40);
	if (img->lanes < 1 || img->lanes > CC_MAX_LANES || img->nregs != IMAGE_NREGS ||
	    img->xdelay > 1 || img->nrows > IMAGE_MAX_ROWS || img->nmaps > 64 ||
	    img->nprogs > 1024 || img->nconsts > IMAGE_MAX_ROWS || img->nhelpers > 1024) {
		snprintf(err, errlen, "header: lanes %u, registers %u, delay %u, %u rows, %u maps,"
			 " %u programs, %u constants, %u helpers: out of range", img->lanes,
			 img->nregs, img->xdelay, img->nrows, img->nmaps, img->nprogs,
			 img->nconsts, img->nhelpers);
		return -EINVAL;
	}
	return 0;
}

static int body_parse(struct image *img, struct rbuf *r, char *err, size_t errlen)
{
	size_t nw = (size_t)img->nrows * img->lanes;
	uint8_t pe[IMAGE_PROG_SIZE], me[IMAGE_MAP_SIZE];
	uint64_t need = (uint64_t)img->nprogs * IMAGE_PROG_SIZE + (uint64_t)img->nmaps *
			IMAGE_MAP_SIZE + nw * (8 + 4) + (uint64_t)img->nconsts * 8 +
			(uint64_t)img->nhelpers * 4 + img->ndata;

	/* the counts must fit the file before anything is allocated for them */
	if (need > r->n - r->pos) {
		snprintf(err, errlen, "truncated: the header's counts need %llu bytes, the file "
			 "has %zu", (unsigned long long)need + IMAGE_HDR_SIZE, r->n);
		return -EINVAL;
	}
	img->progs = alloc_n(img->nprogs, sizeof(*img->progs));
	img->maps = alloc_n(img->nmaps, sizeof(*img->maps));
	img->words = alloc_n(nw, sizeof(*img->words));
	img->origin = alloc_n(nw, sizeof(*img->origin));
	img->consts = alloc_n(img->nconsts, sizeof(*img->consts));
	img->helpers = alloc_n(img->nhelpers, sizeof(*img->helpers));
	img->data = alloc_n(img->ndata, 1);
	if (!img->progs || !img->maps || !img->words || !img->origin || !img->consts ||
	    !img->helpers || !img->data)
		return -ENOMEM;
	for (uint32_t i = 0; i < img->nprogs; i++) {
		struct image_prog *p = &img->progs[i];

		if (take(r, pe, sizeof(pe)))
			goto trunc;
		memcpy(p->name, pe, 64);
		memcpy(p->sec, pe + 64, 64);
		p->name[63] = p->sec[63] = 0;
		p->first_row = get32(pe + 128);
		p->nrows = get32(pe + 132);
		p->ninsns = get32(pe + 136);
		p->idx = get32(pe + 140);
	}
	for (uint32_t i = 0; i < img->nmaps; i++) {
		struct image_map *m = &img->maps[i];

		if (take(r, me, sizeof(me)))
			goto trunc;
		memcpy(m->name, me, 16);
		m->name[15] = 0;
		m->type = get32(me + 16);
		m->key_size = get32(me + 20);
		m->value_size = get32(me + 24);
		m->max_entries = get32(me + 28);
		m->map_flags = get32(me + 32);
		m->inner = (int32_t)get32(me + 36);
		m->data_off = get32(me + 40);
		m->data_len = get32(me + 44);
		m->rdonly_prog = get32(me + 48);
		m->frozen = get32(me + 52);
	}
	if (take(r, img->words, nw * sizeof(*img->words)) ||
	    take(r, img->origin, nw * sizeof(*img->origin)) ||
	    take(r, img->consts, img->nconsts * sizeof(*img->consts)) ||
	    take(r, img->helpers, img->nhelpers * sizeof(*img->helpers)) ||
	    take(r, img->data, img->ndata))
		goto trunc;
	if (r->n - r->pos < 8 && !nonzero(r->b + r->pos, r->n - r->pos))
		r->pos = r->n;	/* padding */
	if (r->pos != r->n) {
		snprintf(err, errlen, "%zu bytes after the end of the image", r->n - r->pos);
		return -EINVAL;
	}
	return 0;
trunc:
	snprintf(err, errlen, "truncated at byte %zu of %zu", r->pos, r->n);
	return -EINVAL;
}

int image__from_buf(const uint8_t *buf, size_t len, struct image **out, char *err,
		    size_t errlen)
{
	struct image *img = calloc(1, sizeof(*img));
	struct rbuf r = { buf, len, IMAGE_HDR_SIZE };
	int e;

	*out = NULL;
	if (!img)
		return -ENOMEM;
	e = hdr_parse(img, buf, len, err, errlen);
	if (!e)
		e = body_parse(img, &r, err, errlen);
	if (!e)
		e = image__validate(img, err, errlen);
	if (e) {
		if (e == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		image__free(img);
		return e;
	}
	*out = img;
	return 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0, k;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	do {
		if (n == cap) {
			uint8_t *nb = realloc(b, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		k = fread(b + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

int image__read(const char *path, struct image **out, char *err, size_t errlen)
{
	uint8_t *b = NULL;
	size_t n = 0;
	char why[200];
	int e = read_file(path, &b, &n, err, errlen);

	if (e)
		return e;
	e = image__from_buf(b, n, out, why, sizeof(why));
	if (e)
		snprintf(err, errlen, "%s: %s", path, why);
	free(b);
	return e;
}

/* ---- validation ---- */

static int word_empty(const struct bpf_insn *w)
{
	static const struct bpf_insn zero;

	return !memcmp(w, &zero, sizeof(zero));
}

/* the image being validated, each lane word decoded once (I_*; -1: empty lane, -2:
 * undefined opcode) since the checks below look at most words several times */
struct vimg {
	const struct image *img;
	int16_t *ids;
};

static int vimg__id(const struct vimg *v, uint32_t row, uint32_t lane)
{
	return v->ids[(size_t)row * v->img->lanes + lane];
}

static int vimg__init(struct vimg *v, const struct image *img)
{
	size_t nw = (size_t)img->nrows * img->lanes;

	v->img = img;
	v->ids = malloc((nw ? nw : 1) * sizeof(*v->ids));
	if (!v->ids)
		return -ENOMEM;
	for (size_t i = 0; i < nw; i++) {
		int id = word_empty(&img->words[i]) ? -1 : isa_decode(&img->words[i]);

		v->ids[i] = (int16_t)(id < 0 && !word_empty(&img->words[i]) ? -2 : id);
	}
	return 0;
}

/* a lane word as IR, for the shared use/def facts */
static void word_ir(const struct bpf_insn *w, int id, struct cc_insn *in)
{
	memset(in, 0, sizeof(*in));
	in->op = id;
	in->dst = w->dst_reg;
	in->src = w->src_reg;
	in->off = w->off;
	in->imm = w->imm;
	if (isa_info[id].form == F_ALU3_X)
		in->src2 = (uint8_t)w->imm;
}

static int bad_row(char *err, size_t errlen, uint32_t row, uint32_t lane, const char *fmt,
		   const char *what)
{
	char m[128];

	snprintf(m, sizeof(m), fmt, what);
	if (lane == CC_NONE)
		snprintf(err, errlen, "row %u: %s", row, m);
	else
		snprintf(err, errlen, "row %u lane %u: %s", row, lane, m);
	return -EINVAL;
}

static int word_check(const struct vimg *v, const struct image_prog *p, uint32_t row,
		      uint32_t lane, int *helper, char *err, size_t errlen)
{
	const struct image *img = v->img;
	const struct bpf_insn *w = image__word(img, row, lane);
	int id = vimg__id(v, row, lane), form;
	struct cc_insn in;
	char m[64];

	if (id < 0) {
		snprintf(m, sizeof(m), "0x%02x", w->code);
		return bad_row(err, errlen, row, lane, "undefined opcode %s", m);
	}
	form = isa_info[id].form;
	switch (form) {
	case F_LDDW: case F_CALL_LOCAL: case F_CALLX: case F_LDABS: case F_LDIND:
		return bad_row(err, errlen, row, lane, "'%s' has no place in an image",
			       isa_info[id].mnem);
	}
	if (w->dst_reg >= img->nregs || w->src_reg >= img->nregs ||
	    (form == F_ALU3_X && (uint32_t)w->imm >= img->nregs))
		return bad_row(err, errlen, row, lane, "register out of range%s", "");
	word_ir(w, id, &in);
	if (cc__defs(&in) & (1u << CC_FP))
		return bad_row(err, errlen, row, lane, "writes r10 (%s)", isa_info[id].mnem);
	if (form == F_LDK && (uint32_t)w->imm >= img->nconsts)
		return bad_row(err, errlen, row, lane, "constant %s out of the pool", "index");
	if (cc__is_jump(&in)) {
		int64_t t = (int64_t)row + 1 + (form == F_JA32 ? w->imm : w->off);

		if (t < p->first_row || t >= (int64_t)p->first_row + p->nrows)
			return bad_row(err, errlen, row, lane, "jump out of program '%s'", p->name);
	}
	if (form == F_CALL) {
		uint32_t k;

		if ((*helper)++)
			return bad_row(err, errlen, row, CC_NONE, "more than one helper %s",
				       "call");
		for (k = 0; k < img->nhelpers && img->helpers[k] != w->imm; k++)
			;
		if (k == img->nhelpers)
			return bad_row(err, errlen, row, lane, "helper %s not in the helper list",
				       helper__name(w->imm));
	}
	return 0;
}

/* does control always leave row (ja or exit before any fall-through)? The row's words
 * are known to be defined. */
static int row_leaves(const struct vimg *v, uint32_t row)
{
	for (uint32_t l = 0; l < v->img->lanes; l++) {
		int id = vimg__id(v, row, l);

		if (id < 0)
			continue;
		switch (isa_info[id].form) {
		case F_JA: case F_JA32: case F_EXIT: case F_EXITK: case F_EXITR:
			return 1;
		}
	}
	return 0;
}

static void row_defs(const struct vimg *v, uint32_t row, cc_regs d[CC_MAX_LANES])
{
	for (uint32_t l = 0; l < v->img->lanes; l++) {
		int id = vimg__id(v, row, l);
		struct cc_insn in;

		d[l] = 0;
		if (id < 0)
			continue;
		word_ir(image__word(v->img, row, l), id, &in);
		d[l] = cc__defs(&in);
	}
}

/* a register written by row p on lane a is read by row r on lane b != a */
static int xlane_check(const struct vimg *v, uint32_t p, uint32_t r, char *err,
		       size_t errlen)
{
	const struct image *img = v->img;
	cc_regs d[CC_MAX_LANES];

	row_defs(v, p, d);
	for (uint32_t b = 0; b < img->lanes; b++) {
		int id = vimg__id(v, r, b);
		struct cc_insn in;
		cc_regs u;

		if (id < 0)
			continue;
		word_ir(image__word(img, r, b), id, &in);
		u = cc__uses(&in);
		for (uint32_t a = 0; a < img->lanes; a++)
			if (a != b && (d[a] & u)) {
				char m[96];

				snprintf(m, sizeof(m), "reads r%d written on lane %u by row %u "
					 "(cross-lane delay %u)", __builtin_ctz(d[a] & u), a, p,
					 img->xdelay);
				return bad_row(err, errlen, r, b, "%s", m);
			}
	}
	return 0;
}

static int row_check(const struct vimg *v, const struct image_prog *p, uint32_t row,
		     char *err, size_t errlen)
{
	cc_regs d[CC_MAX_LANES], all = 0;
	int helper = 0, e;

	for (uint32_t l = 0; l < v->img->lanes; l++)
		if (vimg__id(v, row, l) != -1 &&
		    (e = word_check(v, p, row, l, &helper, err, errlen)))
			return e;
	row_defs(v, row, d);
	for (uint32_t l = 0; l < v->img->lanes; l++) {
		if (d[l] & all) {
			char m[64];

			snprintf(m, sizeof(m), "r%d is written by two lanes",
				 __builtin_ctz(d[l] & all));
			return bad_row(err, errlen, row, l, "%s", m);
		}
		all |= d[l];
	}
	return 0;
}

static int prog_check(const struct vimg *v, const struct image_prog *p, char *err,
		      size_t errlen)
{
	const struct image *img = v->img;
	uint32_t end = p->first_row + p->nrows;
	int e;

	if (!p->nrows || p->first_row >= img->nrows || end > img->nrows || end < p->first_row) {
		snprintf(err, errlen, "program '%s': rows [%u, %u) outside the image's %u rows",
			 p->name, p->first_row, end, img->nrows);
		return -EINVAL;
	}
	for (uint32_t r = p->first_row; r < end; r++)
		if ((e = row_check(v, p, r, err, errlen)))
			return e;
	if (!row_leaves(v, end - 1))
		return bad_row(err, errlen, end - 1, CC_NONE,
			       "the last row of '%s' may fall off its end", p->name);
	if (!img->xdelay)
		return 0;
	for (uint32_t r = p->first_row; r < end; r++) {
		if (r > p->first_row && !row_leaves(v, r - 1) &&
		    (e = xlane_check(v, r - 1, r, err, errlen)))
			return e;
		for (uint32_t l = 0; l < img->lanes; l++) {
			const struct bpf_insn *w = image__word(img, r, l);
			int id = vimg__id(v, r, l);
			struct cc_insn in;

			if (id < 0)
				continue;
			word_ir(w, id, &in);
			if (cc__is_jump(&in) &&
			    (e = xlane_check(v, r, r + 1 + (isa_info[id].form == F_JA32 ?
							     w->imm : w->off), err, errlen)))
				return e;
		}
	}
	return 0;
}

/* every row is in some program (the engines decode all rows; only programs' rows are
 * checked). The programs' row ranges are known to be inside the image. */
static int rows_owned(const struct image *img, char *err, size_t errlen)
{
	uint8_t *owned = calloc(img->nrows ? img->nrows : 1, 1);
	uint32_t r = 0;

	if (!owned) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < img->nprogs; i++)
		memset(owned + img->progs[i].first_row, 1, img->progs[i].nrows);
	while (r < img->nrows && owned[r])
		r++;
	free(owned);
	if (r < img->nrows)
		return bad_row(err, errlen, r, CC_NONE, "belongs to no program%s", "");
	return 0;
}

int image__validate(const struct image *img, char *err, size_t errlen)
{
	struct vimg v;
	int e = 0;

	if (img->lanes < 1 || img->lanes > CC_MAX_LANES || img->nregs != IMAGE_NREGS ||
	    img->xdelay > 1) {
		snprintf(err, errlen, "lanes %u, registers %u, delay %u: not supported",
			 img->lanes, img->nregs, img->xdelay);
		return -EINVAL;
	}
	if (!img->nprogs) {
		snprintf(err, errlen, "no program");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *m = &img->maps[i];

		if ((uint64_t)m->data_off + m->data_len > img->ndata ||
		    (m->data_len && m->data_len != m->value_size) ||
		    (m->inner >= 0 && (uint32_t)m->inner >= img->nmaps)) {
			snprintf(err, errlen, "map %u '%s': bad initial data or inner map", i,
				 m->name);
			return -EINVAL;
		}
		if (m->rdonly_prog > 1 || m->frozen > 1 || (m->frozen && !m->rdonly_prog)) {
			snprintf(err, errlen, "map %u '%s': bad access flags (read-only %u, frozen "
				 "%u)", i, m->name, m->rdonly_prog, m->frozen);
			return -EINVAL;
		}
	}
	if (vimg__init(&v, img)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; !e && i < img->nprogs; i++)
		e = prog_check(&v, &img->progs[i], err, errlen);
	free(v.ids);
	return e ? e : rows_owned(img, err, errlen);
}

/* ---- disassembly ---- */

static const char *const jpkt_cc[] = { ">", ">=", "<", "<=" };

void image__word_text(const struct image *img, const struct bpf_insn *w, uint32_t row,
		      char *buf, size_t len)
{
	int id = word_empty(w) ? -1 : isa_decode(w);
	const struct isa_info *f;
	char wr;

	if (word_empty(w)) {
		snprintf(buf, len, "-");
		return;
	}
	if (id < 0) {
		snprintf(buf, len, "<unknown 0x%02x>", w->code);
		return;
	}
	f = &isa_info[id];
	wr = (f->opc & 0x07) == BPF_ALU || (f->opc & 0x07) == BPF_JMP32 ? 'w' : 'r';
	switch (f->form) {
	case F_JA:
		snprintf(buf, len, "goto @%d", (int)row + 1 + w->off);
		return;
	case F_JCC_K:
		snprintf(buf, len, "if %c%d %s %d goto @%d", wr, w->dst_reg, f->mnem, w->imm,
			 (int)row + 1 + w->off);
		return;
	case F_JCC_X:
		snprintf(buf, len, "if %c%d %s %c%d goto @%d", wr, w->dst_reg, f->mnem, wr,
			 w->src_reg, (int)row + 1 + w->off);
		return;
	case F_CALL:
		snprintf(buf, len, "call %s#%d", helper__name(w->imm),
			 w->imm);
		return;
	case F_ALU3_K:
		snprintf(buf, len, "%c%d = %c%d %s %d", wr, w->dst_reg, wr, w->src_reg, f->mnem,
			 w->imm);
		return;
	case F_ALU3_X:
		snprintf(buf, len, "%c%d = %c%d %s %c%d", wr, w->dst_reg, wr, w->src_reg,
			 f->mnem, wr, w->imm);
		return;
	case F_NEG3:
		snprintf(buf, len, "%c%d = -%c%d", wr, w->dst_reg, wr, w->src_reg);
		return;
	case F_LDX6:
		snprintf(buf, len, "r%d = *(u48 *)(r%d %+d)", w->dst_reg, w->src_reg, w->off);
		return;
	case F_STX6:
		snprintf(buf, len, "*(u48 *)(r%d %+d) = r%d", w->dst_reg, w->off, w->src_reg);
		return;
	case F_ST6:
		snprintf(buf, len, "*(u48 *)(r%d %+d) = %d", w->dst_reg, w->off, w->imm);
		return;
	case F_LDXSPEC:
		snprintf(buf, len, "r%d = spec %s (r%d %+d)", w->dst_reg, f->mnem + 7,
			 w->src_reg, w->off);
		return;
	case F_EXITK:
		snprintf(buf, len, "exit %d", w->imm);
		return;
	case F_EXITR:
		snprintf(buf, len, "exit %c%d", w->imm ? 'w' : 'r', w->dst_reg);
		return;
	case F_ATOMIC_NZ:
		snprintf(buf, len, "if r%d: %s *(u%d *)(r%d %+d), r%d", w->dst_reg, f->mnem,
			 w->code == 0xd3 ? 64 : 32, w->dst_reg, w->off, w->src_reg);
		return;
	case F_JPKT:
		snprintf(buf, len, "if r%d + %d %s data_end goto @%d", w->dst_reg, w->imm,
			 jpkt_cc[w->src_reg & 3], (int)row + 1 + w->off);
		return;
	case F_LDK: {
		uint64_t k = (uint32_t)w->imm < img->nconsts ? img->consts[w->imm] : 0;
		uint32_t reg = HXDP_REGION(k);

		if (reg >= R_MAPREF && reg - R_MAPREF < img->nmaps)
			snprintf(buf, len, "r%d = map[%s]", w->dst_reg,
				 img->maps[reg - R_MAPREF].name);
		else if (reg >= R_MAP0 && reg < R_COUNT && reg - R_MAP0 < img->nmaps)
			snprintf(buf, len, "r%d = &%s[%u]", w->dst_reg,
				 img->maps[reg - R_MAP0].name, HXDP_OFF(k));
		else
			snprintf(buf, len, "r%d = %#llx", w->dst_reg, (unsigned long long)k);
		return;
	}
	}
	if (disasm__insn(w, 1, row, NULL, 0, buf, len) < 0)
		snprintf(buf, len, "%s", f->mnem);
}

static void disasm_text(const struct image *img, FILE *out)
{
	char t[96];

	fprintf(out, "hxdp image v%u: %u lanes, %u registers, cross-lane delay %u, -O%u, "
		"%u rows, %u maps, %u constants\n", img->version, img->lanes, img->nregs,
		img->xdelay, img->opt, img->nrows, img->nmaps, img->nconsts);
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *m = &img->maps[i];

		fprintf(out, "map %u %s: type %u key %u value %u entries %u flags %#x%s\n", i,
			m->name, m->type, m->key_size, m->value_size, m->max_entries,
			m->map_flags, m->data_len ? " (initial data)" : "");
	}
	for (uint32_t i = 0; i < img->nprogs; i++) {
		const struct image_prog *p = &img->progs[i];

		fprintf(out, "\nprog %s (section %s): %u rows from %u eBPF instructions\n",
			p->name, p->sec, p->nrows, p->ninsns);
		for (uint32_t r = p->first_row; r < p->first_row + p->nrows; r++) {
			fprintf(out, "@%-4u", r);
			for (uint32_t l = 0; l < img->lanes; l++) {
				uint32_t o = img->origin[(size_t)r * img->lanes + l];
				char org[16] = "";

				image__word_text(img, image__word(img, r, l), r, t, sizeof(t));
				if (o != IMAGE_NO_ORIGIN)
					snprintf(org, sizeof(org), "[%u]", o);
				fprintf(out, " | %-30s %-6s", t, org);
			}
			fputc('\n', out);
		}
	}
}

static json_object *disasm_json(const struct image *img)
{
	json_object *j = json_object_new_object(), *progs = json_object_new_array();
	json_object *maps = json_object_new_array(), *hl = json_object_new_array();
	char t[96];

	json_object_object_add(j, "version", json_object_new_int(img->version));
	json_object_object_add(j, "lanes", json_object_new_int(img->lanes));
	json_object_object_add(j, "registers", json_object_new_int(img->nregs));
	json_object_object_add(j, "xdelay", json_object_new_int(img->xdelay));
	json_object_object_add(j, "opt", json_object_new_int(img->opt));
	json_object_object_add(j, "rows", json_object_new_int(img->nrows));
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *m = &img->maps[i];
		json_object *jm = json_object_new_object();

		json_object_object_add(jm, "name", json_object_new_string(m->name));
		json_object_object_add(jm, "type", json_object_new_int(m->type));
		json_object_object_add(jm, "key_size", json_object_new_int(m->key_size));
		json_object_object_add(jm, "value_size", json_object_new_int(m->value_size));
		json_object_object_add(jm, "max_entries", json_object_new_int(m->max_entries));
		json_object_object_add(jm, "flags", json_object_new_int(m->map_flags));
		json_object_object_add(jm, "inner", json_object_new_int(m->inner));
		json_object_array_add(maps, jm);
	}
	for (uint32_t i = 0; i < img->nhelpers; i++)
		json_object_array_add(hl, json_object_new_int(img->helpers[i]));
	for (uint32_t i = 0; i < img->nprogs; i++) {
		const struct image_prog *p = &img->progs[i];
		json_object *jp = json_object_new_object(), *rows = json_object_new_array();

		json_object_object_add(jp, "name", json_object_new_string(p->name));
		json_object_object_add(jp, "section", json_object_new_string(p->sec));
		json_object_object_add(jp, "first_row", json_object_new_int(p->first_row));
		json_object_object_add(jp, "nrows", json_object_new_int(p->nrows));
		json_object_object_add(jp, "insns", json_object_new_int(p->ninsns));
		for (uint32_t r = p->first_row; r < p->first_row + p->nrows; r++) {
			json_object *jr = json_object_new_array();

			for (uint32_t l = 0; l < img->lanes; l++) {
				const struct bpf_insn *w = image__word(img, r, l);
				uint32_t o = img->origin[(size_t)r * img->lanes + l];
				json_object *jw;

				if (word_empty(w)) {
					json_object_array_add(jr, NULL);
					continue;
				}
				jw = json_object_new_object();
				image__word_text(img, w, r, t, sizeof(t));
				json_object_object_add(jw, "text", json_object_new_string(t));
				json_object_object_add(jw, "origin", o == IMAGE_NO_ORIGIN ? NULL :
						       json_object_new_int64(o));
				json_object_array_add(jr, jw);
			}
			json_object_array_add(rows, jr);
		}
		json_object_object_add(jp, "rows", rows);
		json_object_array_add(progs, jp);
	}
	json_object_object_add(j, "maps", maps);
	json_object_object_add(j, "helpers", hl);
	json_object_object_add(j, "progs", progs);
	return j;
}

void image__disasm(const struct image *img, FILE *out, int json)
{
	json_object *j;

	if (!json) {
		disasm_text(img, out);
		return;
	}
	j = disasm_json(img);
	fprintf(out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

int image__disasm_file(const char *path, FILE *out, int json)
{
	struct image *img;
	char err[256];

	if (image__read(path, &img, err, sizeof(err)))
		return cli_error("%s", err);
	image__disasm(img, out, json);
	image__free(img);
	return EXIT_OK;
}

/* ---- objects from images ----
 * The object's maps are created from the configuration; its first program carries the
 * serialized image in place of eBPF instructions (so obj__close frees it), which the
 * vm refuses and the vliw engine recognizes. */

static int maps_from(const struct image *img, struct hxdp_obj *obj, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *im = &img->maps[i];
		struct hxdp_map *m = calloc(1, sizeof(*m));
		char why[160] = "";
		uint32_t zero = 0;
		int e;

		if (!m)
			return -ENOMEM;
		snprintf(m->name, sizeof(m->name), "%s", im->name);
		snprintf(obj->map_name[i], sizeof(obj->map_name[i]), "%s", im->name);
		m->type = im->type;
		m->key_size = im->key_size;
		m->value_size = im->value_size;
		m->max_entries = im->max_entries;
		m->map_flags = im->map_flags;
		m->idx = i;
		m->inner = im->inner;
		m->rdonly_prog = im->rdonly_prog;
		m->frozen = im->frozen;
		obj->env.maps[i] = m;
		obj->env.nmaps++;
		if (!map__type_supported(m->type)) {
			snprintf(err, errlen, "map %u '%s': type %u is not supported", i, m->name,
				 m->type);
			return -ENOTSUP;
		}
		e = map__init(m, obj->env.ncpus, why, sizeof(why));
		if (!e && im->data_len)
			e = map__user_update(m, &zero, img->data + im->data_off, BPF_ANY);
		if (e) {
			snprintf(err, errlen, "map %u '%s': %s", i, m->name,
				 why[0] ? why : strerror(-e));
			return e;
		}
	}
	obj->nbmaps = img->nmaps;
	return 0;
}

int image__obj_from(const struct image *img, struct hxdp_obj **out, char *err, size_t errlen)
{
	struct hxdp_obj *obj = calloc(1, sizeof(*obj));
	uint8_t *buf = NULL;
	size_t len = 0;
	int ncpus, e;

	*out = NULL;
	if (!obj)
		return -ENOMEM;
	snprintf(obj->path, sizeof(obj->path), "(image)");
	env__init(&obj->env);
	ncpus = libbpf_num_possible_cpus();
	obj->env.ncpus = ncpus > 0 ? (uint32_t)ncpus : 1;
	obj->progs = calloc(img->nprogs, sizeof(*obj->progs));
	e = obj->progs ? image__to_buf(img, &buf, &len) : -ENOMEM;
	if (!e) {
		size_t n = (len + 7) / 8;
		struct bpf_insn *w = calloc(n, sizeof(*w));

		if (w)
			memcpy(w, buf, len);
		else
			e = -ENOMEM;
		obj->nprogs = obj->env.nprogs = img->nprogs;
		for (uint32_t i = 0; i < img->nprogs; i++) {
			snprintf(obj->progs[i].name, sizeof(obj->progs[i].name), "%s",
				 img->progs[i].name);
			snprintf(obj->progs[i].sec, sizeof(obj->progs[i].sec), "%s",
				 img->progs[i].sec);
			obj->progs[i].idx = i;
		}
		obj->progs[0].insns = w;
		obj->progs[0].ninsns = w ? n : 0;
	}
	free(buf);
	if (!e)
		e = maps_from(img, obj, err, errlen);
	if (e) {
		if (e == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		obj__close(obj);
		return e;
	}
	*out = obj;
	return 0;
}

int image__obj_open(const char *path, struct hxdp_obj **out, char *err, size_t errlen)
{
	struct image *img;
	char why[200];
	int e = image__read(path, &img, err, errlen);

	*out = NULL;
	if (e)
		return e;
	e = image__obj_from(img, out, why, sizeof(why));
	if (e)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		snprintf((*out)->path, sizeof((*out)->path), "%s", path);
	image__free(img);
	return e;
}

struct image *image__of_obj(const struct hxdp_obj *obj, char *err, size_t errlen)
{
	const struct hxdp_prog *p = obj->nprogs ? &obj->progs[0] : NULL;
	struct image *img = NULL;

	if (!p || !p->insns || !image__is_image(p->insns, (size_t)p->ninsns * 8))
		return NULL;
	image__from_buf((const uint8_t *)p->insns, (size_t)p->ninsns * 8, &img, err, errlen);
	return img;
}
