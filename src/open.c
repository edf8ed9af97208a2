/* open.c: what the user names may be a compiled image or a clang object */
#include <stdio.h>
#include "image.h"
#include "obj.h"

int obj__open_any(const char *path, struct hxdp_obj **obj, char *err, size_t errlen)
{
	uint8_t head[IMAGE_HDR_SIZE];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

	if (f)
		fclose(f);
	if (n && image__is_image(head, n))
		return image__obj_open(path, obj, err, errlen);
	return obj__open(path, obj, err, errlen);
}
