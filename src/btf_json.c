/* btf_json.c: map keys and values as JSON through their BTF types, in the shapes
 * bpftool's "formatted" output uses: integers as numbers, char arrays as strings,
 * structs as objects, enums by name, pointers as hex strings. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <json-c/json.h>
#include "btf_json.h"

#define DEPTH_MAX 16

static struct json_object *value(const struct btf *btf, uint32_t id, const uint8_t *p,
				 uint32_t bit_off, uint32_t bits, int depth);

static uint64_t load_bits(const uint8_t *p, uint32_t size, uint32_t bit_off, uint32_t bits,
			  int sign)
{
	uint64_t v = 0;

	p += bit_off / 8;
	bit_off %= 8;
	memcpy(&v, p, size > 8 ? 8 : size);	/* little-endian host */
	if (!bits)
		bits = (size > 8 ? 8 : size) * 8;
	v >>= bit_off;
	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (sign && (v >> (bits - 1)))
			v |= ~0ull << bits;
	}
	return v;
}

static struct json_object *int_value(const struct btf_type *t, const uint8_t *p,
				     uint32_t bit_off, uint32_t bits)
{
	uint32_t info = *(const uint32_t *)(t + 1), enc = BTF_INT_ENCODING(info);
	uint32_t nbits = bits ? bits : BTF_INT_BITS(info);
	uint64_t v;

	bit_off += BTF_INT_OFFSET(info);
	if (t->size > 8) {
		char hex[40];
		int n = 0;

		for (int i = (int)t->size - 1; i >= 0 && n < 36; i--)
			n += snprintf(hex + n, sizeof(hex) - n, "%02x", p[bit_off / 8 + i]);
		return json_object_new_string(hex);
	}
	v = load_bits(p, t->size, bit_off, nbits, enc & BTF_INT_SIGNED);
	if (enc & BTF_INT_BOOL)
		return json_object_new_boolean(v != 0);
	if (enc & BTF_INT_SIGNED)
		return json_object_new_int64((int64_t)v);
	return json_object_new_uint64(v);
}

static int printable(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && p[i]; i++)
		if (!isprint(p[i]))
			return 0;
	for (; i < n; i++)
		if (p[i])
			return 0;	/* bytes after the NUL: not a string */
	return 1;
}

static struct json_object *array_value(const struct btf *btf, const struct btf_type *t,
				       const uint8_t *p, int depth)
{
	const struct btf_array *a = btf_array(t);
	const struct btf_type *et = btf__type_by_id(btf, btf__resolve_type(btf, a->type));
	int64_t esz = btf__resolve_size(btf, a->type);
	struct json_object *arr;

	if (esz <= 0)
		return NULL;
	if (et && btf_is_int(et) && esz == 1 && printable(p, a->nelems)) {
		uint32_t n = (uint32_t)strnlen((const char *)p, a->nelems);

		return json_object_new_string_len((const char *)p, (int)n);
	}
	arr = json_object_new_array();
	for (uint32_t i = 0; i < a->nelems; i++)
		json_object_array_add(arr, value(btf, a->type, p + i * esz, 0, 0, depth + 1));
	return arr;
}

static struct json_object *struct_value(const struct btf *btf, const struct btf_type *t,
					const uint8_t *p, int depth)
{
	const struct btf_member *m = btf_members(t);
	struct json_object *o = json_object_new_object();

	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		struct json_object *v = bits ? value(btf, m->type, p, off, bits, depth + 1)
					     : value(btf, m->type, p + off / 8, 0, 0, depth + 1);

		json_object_object_add(o, name && *name ? name : "(anon)", v);
	}
	return o;
}

static struct json_object *enum_value(const struct btf *btf, const struct btf_type *t,
				      const uint8_t *p, uint32_t bit_off, uint32_t bits)
{
	int64_t v = (int64_t)load_bits(p, t->size, bit_off, bits, 1);
	const struct btf_enum *e = btf_enum(t);

	for (uint16_t i = 0; btf_is_enum(t) && i < btf_vlen(t); i++, e++)
		if (e->val == v)
			return json_object_new_string(btf__name_by_offset(btf, e->name_off));
	return json_object_new_int64(v);
}

static struct json_object *value(const struct btf *btf, uint32_t id, const uint8_t *p,
				 uint32_t bit_off, uint32_t bits, int depth)
{
	const struct btf_type *t;
	char hex[24];

	if (depth > DEPTH_MAX)
		return NULL;
	id = (uint32_t)btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (!t)
		return NULL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return int_value(t, p, bit_off, bits);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return enum_value(btf, t, p, bit_off, bits);
	case BTF_KIND_ARRAY:
		return array_value(btf, t, p, depth);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return struct_value(btf, t, p, depth);
	case BTF_KIND_PTR:
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)load_bits(p, 8, 0, 64, 0));
		return json_object_new_string(hex);
	case BTF_KIND_FLOAT:
		if (t->size == 4) {
			float f;

			memcpy(&f, p, 4);
			return json_object_new_double(f);
		} else if (t->size == 8) {
			double f;

			memcpy(&f, p, 8);
			return json_object_new_double(f);
		}
		return NULL;
	default:
		return NULL;
	}
}

struct json_object *btf_json__value(const struct btf *btf, uint32_t type_id, const void *data,
				    size_t size)
{
	int64_t sz;

	if (!btf || !type_id)
		return NULL;
	sz = btf__resolve_size(btf, type_id);
	if (sz <= 0 || (size_t)sz > size)
		return NULL;
	return value(btf, type_id, data, 0, 0, 0);
}
