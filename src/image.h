/* image.h: compiled VLIW images (docs/isa-ext.md, "Image format"): write, read,
 * validate, disassemble, and turn into an object the engines can open. */
#ifndef HXDP_IMAGE_H
#define HXDP_IMAGE_H
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <linux/bpf.h>

struct hxdp_obj;

#define IMAGE_MAGIC "HXDPIMG"	/* 8 bytes with its NUL */
#define IMAGE_VERSION 1
#define IMAGE_HDR_SIZE 64
#define IMAGE_PROG_SIZE 144
#define IMAGE_MAP_SIZE 56
#define IMAGE_NO_ORIGIN 0xffffffffu
#define IMAGE_NREGS 16		/* r0..r15 */
#define IMAGE_MAX_ROWS (1u << 20)

struct image_prog {
	char name[64];
	char sec[64];
	uint32_t first_row, nrows;	/* rows [first_row, first_row + nrows) */
	uint32_t ninsns;		/* eBPF instructions it was compiled from */
	uint32_t idx;			/* program index (PROG_ARRAY values) */
};

struct image_map {
	char name[16];
	uint32_t type, key_size, value_size, max_entries, map_flags;
	int32_t inner;			/* map-in-map: index of the inner template, -1 */
	uint32_t data_off, data_len;	/* initial value of key 0 (global data) in data[] */
	uint32_t rdonly_prog;
	uint32_t frozen;
};

struct image {
	uint32_t version;
	uint32_t lanes, nregs, xdelay, opt;
	uint32_t nprogs, nmaps, nrows, nconsts, nhelpers, ndata;
	struct image_prog *progs;
	struct image_map *maps;
	struct bpf_insn *words;		/* nrows * lanes lane words; all-zero: empty lane */
	uint32_t *origin;		/* per word: eBPF instruction, IMAGE_NO_ORIGIN */
	uint64_t *consts;		/* ldk's constant pool */
	int32_t *helpers;		/* helper ids the image calls */
	uint8_t *data;			/* global data initial contents */
};

struct image *image__new(uint32_t lanes, uint32_t xdelay, uint32_t opt);
void image__free(struct image *img);
/* append rows/constants/helpers; return the index of the first, or -ENOMEM */
int64_t image__add_rows(struct image *img, uint32_t n);
int64_t image__add_const(struct image *img, uint64_t k);
int image__add_helper(struct image *img, int32_t id);
int image__add_prog(struct image *img, const char *name, const char *sec, uint32_t idx,
		    uint32_t first_row, uint32_t nrows, uint32_t ninsns);
/* the maps (and global data) of obj into the image's map configuration */
int image__set_maps(struct image *img, const struct hxdp_obj *obj, char *err, size_t errlen);

static inline struct bpf_insn *image__word(const struct image *img, uint32_t row, uint32_t lane)
{
	return &img->words[(size_t)row * img->lanes + lane];
}

/* serialized form */
int image__write(const struct image *img, const char *path, char *err, size_t errlen);
int image__to_buf(const struct image *img, uint8_t **buf, size_t *len);
int image__from_buf(const uint8_t *buf, size_t len, struct image **out, char *err,
		    size_t errlen);
int image__read(const char *path, struct image **out, char *err, size_t errlen);
int image__is_image(const void *buf, size_t len);

/* every row constraint (docs/isa-ext.md "Validation"); one message naming the row */
int image__validate(const struct image *img, char *err, size_t errlen);

/* disassembly: rows with lanes side by side, each word's eBPF origin */
void image__disasm(const struct image *img, FILE *out, int json);
int image__disasm_file(const char *path, FILE *out, int json);	/* EXIT_* code */
/* one lane word as text */
void image__word_text(const struct image *img, const struct bpf_insn *w, uint32_t row,
		      char *buf, size_t len);

/* an object whose maps come from the image's configuration; the engines that run images
 * (vliw, sim) find the image in it with image__of_obj */
int image__obj_open(const char *path, struct hxdp_obj **out, char *err, size_t errlen);
int image__obj_from(const struct image *img, struct hxdp_obj **out, char *err, size_t errlen);
/* the image carried by an object image__obj_* made (a new copy), NULL otherwise */
struct image *image__of_obj(const struct hxdp_obj *obj, char *err, size_t errlen);

#endif
