/* fuzz_obj.c: the object loader (obj__open, which runs every program through the
 * verifier) on arbitrary bytes as a file, then the vm's decoder. Maps are created
 * small (mapcap.c). */
#include <stdlib.h>
#include <unistd.h>
#include "engine.h"
#include "fuzz.h"
#include "obj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hxdp_obj *obj = NULL;
	const struct engine_ops *vm = engine__find("vm");
	char path[64], err[512];
	void *st = NULL;
	int fd = fuzz__memfd(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	obj__libbpf_capture(NULL, 0);
	if (!obj__open(path, &obj, err, sizeof(err))) {
		struct engine_opts eo = { .lanes = 4, .opt = 2 };

		if (vm && !vm->open(obj, &eo, &st, err, sizeof(err)))
			vm->close(st);
		obj__close(obj);
	}
	close(fd);
	return 0;
}
