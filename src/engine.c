/* engine.c: the engine registry */
#include <string.h>
#include "engine.h"

extern const struct engine_ops vliw_engine __attribute__((weak));
extern const struct engine_ops sim_engine __attribute__((weak));

const struct engine_ops *engine__find(const char *name)
{
	const struct engine_ops *all[] = { &vm_engine, &vliw_engine, &sim_engine };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && !strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}
