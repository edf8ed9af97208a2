/* mapsjson.c: initial map contents and nondeterminism masks from a JSON file
 * (format: docs/maps-json.md) */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "obj.h"
#include "maps.h"

struct mj {
	struct hxdp_obj *obj;
	const char *path;
	char *err;
	size_t errlen;
};

static int mj_fail(struct mj *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int mj_fail(struct mj *j, const char *fmt, ...)
{
	int k = snprintf(j->err, j->errlen, "%s: ", j->path);
	va_list ap;

	if (k < 0 || (size_t)k >= j->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(j->err + k, j->errlen - k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* hex bytes, whitespace anywhere between digit pairs; returns the byte count or -1 */
static int hex_parse(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s)) {
			if (hi >= 0)
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi >= 0 ? -1 : (int)n;
}

static const char *str_field(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* the value of entry e in user (bpf(2)) layout */
static int entry_value(struct mj *j, struct hxdp_map *m, const char *mname, size_t i,
		       json_object *e, uint8_t *val, uint32_t vsz)
{
	const char *hv = str_field(e, "value"), *vm = str_field(e, "value_map"),
		   *vp = str_field(e, "value_prog");
	uint32_t slot = (m->value_size + 7) & ~7u;
	uint32_t idx;
	int n;

	if (!!hv + !!vm + !!vp != 1)
		return mj_fail(j, "map '%s' entry %zu: needs exactly one of \"value\", "
			       "\"value_map\", \"value_prog\"", mname, i);
	if (vm || vp) {
		int r = vm ? obj__map_idx(j->obj, vm) : obj__prog_idx(j->obj, vp);

		if (r < 0)
			return mj_fail(j, "map '%s' entry %zu: no %s '%s' in the object", mname,
				       i, vm ? "map" : "program", vm ? vm : vp);
		if (m->value_size != 4)
			return mj_fail(j, "map '%s' entry %zu: %s needs 4-byte values", mname, i,
				       vm ? "value_map" : "value_prog");
		idx = (uint32_t)r;
		memcpy(val, &idx, 4);
		return 0;
	}
	memset(val, 0, vsz);
	n = hex_parse(hv, val, vsz);
	if (n < 0)
		return mj_fail(j, "map '%s' entry %zu: value is not hex bytes or longer than "
			       "%u bytes", mname, i, vsz);
	if ((uint32_t)n == m->value_size && m->ncpus > 1) {
		for (uint32_t c = 1; c < vsz / slot; c++)
			memcpy(val + c * slot, val, m->value_size);
		return 0;
	}
	if ((uint32_t)n != m->value_size && (uint32_t)n != vsz)
		return mj_fail(j, "map '%s' entry %zu: value has %d bytes, map values have %u",
			       mname, i, n, m->value_size);
	return 0;
}

static int entry_load(struct mj *j, struct hxdp_map *m, const char *mname, size_t i,
		      json_object *e)
{
	uint32_t vsz = map__user_value_size(m);
	const char *hk = str_field(e, "key");
	uint8_t key[512], *val;
	int n, err;

	if (!json_object_is_type(e, json_type_object) || !hk)
		return mj_fail(j, "map '%s' entry %zu: needs a \"key\" string", mname, i);
	n = hex_parse(hk, key, sizeof(key));
	if (n < 0 || (uint32_t)n != m->key_size)
		return mj_fail(j, "map '%s' entry %zu: key must be %u hex bytes", mname, i,
			       m->key_size);
	val = calloc(1, vsz + 8);
	if (!val)
		return -ENOMEM;
	err = entry_value(j, m, mname, i, e, val, vsz);
	if (!err) {
		err = map__user_update(m, key, val, BPF_ANY);
		if (err)
			err = mj_fail(j, "map '%s' entry %zu: update failed: %s", mname, i,
				      strerror(-err));
	}
	free(val);
	return err;
}

static int map_load(struct mj *j, size_t mi, json_object *o)
{
	const char *name = str_field(o, "name");
	json_object *ents;
	struct hxdp_map *m;
	int err;

	if (!name)
		return mj_fail(j, "maps[%zu]: needs a \"name\" string", mi);
	m = obj__map(j->obj, name);
	if (!m)
		return mj_fail(j, "maps[%zu]: no map '%s' in the object", mi, name);
	if (!json_object_object_get_ex(o, "entries", &ents))
		return 0;
	if (!json_object_is_type(ents, json_type_array))
		return mj_fail(j, "map '%s': \"entries\" must be an array", name);
	for (size_t i = 0; i < json_object_array_length(ents); i++) {
		err = entry_load(j, m, name, i, json_object_array_get_idx(ents, i));
		if (err)
			return err;
	}
	return 0;
}

static int int_field(json_object *o, const char *k, int64_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int))
		return -1;
	*v = json_object_get_int64(x);
	return 0;
}

static int nondet_load(struct mj *j, size_t i, json_object *o)
{
	const char *name = str_field(o, "map"), *why = str_field(o, "why");
	struct hxdp_obj *obj = j->obj;
	struct hxdp_nondet *nd;
	int64_t off, len;
	int m;

	if (!name || int_field(o, "offset", &off) || int_field(o, "len", &len))
		return mj_fail(j, "nondet[%zu]: needs \"map\", \"offset\" and \"len\"", i);
	m = obj__map_idx(obj, name);
	if (m < 0)
		return mj_fail(j, "nondet[%zu]: no map '%s' in the object", i, name);
	if (off < 0 || len <= 0 || off + len > obj->env.maps[m]->value_size)
		return mj_fail(j, "nondet[%zu]: bytes %lld..%lld outside the %u-byte values of "
			       "'%s'", i, (long long)off, (long long)(off + len),
			       obj->env.maps[m]->value_size, name);
	if (obj->nnondet == HXDP_MAX_NONDET)
		return mj_fail(j, "nondet[%zu]: more than %d masks", i, HXDP_MAX_NONDET);
	nd = &obj->nondet[obj->nnondet++];
	nd->map = (uint32_t)m;
	nd->off = (uint32_t)off;
	nd->len = (uint32_t)len;
	snprintf(nd->why, sizeof(nd->why), "%s", why ? why : "");
	return 0;
}

static int array_each(struct mj *j, json_object *root, const char *key,
		      int (*fn)(struct mj *, size_t, json_object *))
{
	json_object *a;
	int err;

	if (!json_object_object_get_ex(root, key, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return mj_fail(j, "\"%s\" must be an array", key);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		err = fn(j, i, json_object_array_get_idx(a, i));
		if (err)
			return err;
	}
	return 0;
}

int obj__load_maps_json(struct hxdp_obj *obj, const char *path, char *err, size_t errlen)
{
	struct mj j = { obj, path, err, errlen };
	json_object *root = json_object_from_file(path);
	int e;

	if (!root) {
		const char *why = json_util_get_last_err();

		snprintf(err, errlen, "%s: %s", path, why ? why : "cannot parse JSON");
		e = (int)strlen(err);
		while (e > 0 && err[e - 1] == '\n')
			err[--e] = 0;
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object))
		e = mj_fail(&j, "top level must be an object");
	else
		e = array_each(&j, root, "maps", map_load);
	if (!e)
		e = array_each(&j, root, "nondet", nondet_load);
	json_object_put(root);
	return e;
}
