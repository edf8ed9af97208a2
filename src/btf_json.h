/* btf_json.h: a BTF-typed value as JSON (bpftool's "formatted" shapes) */
#ifndef HXDP_BTF_JSON_H
#define HXDP_BTF_JSON_H
#include <stddef.h>
#include <stdint.h>

struct btf;
struct json_object;

/* NULL when there is no BTF, the type is unknown, or size is too small for it */
struct json_object *btf_json__value(const struct btf *btf, uint32_t type_id, const void *data,
				    size_t size);

#endif
