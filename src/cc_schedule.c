/* cc_schedule.c: list scheduling into rows of N lanes (docs/isa-ext.md "Compiler"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"

/* -O0: one instruction per row, in order */
static int sched_serial(struct cc *c)
{
	uint32_t L = c->o.lanes;

	c->rows = malloc((size_t)c->n * L * sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	for (size_t i = 0; i < (size_t)c->n * L; i++)
		c->rows[i] = CC_NONE;
	for (uint32_t i = 0; i < c->n; i++)
		c->rows[(size_t)i * L] = i;
	for (uint32_t b = 0; b < c->nb; b++)
		c->b[b].row = c->b[b].first;
	c->nrows = c->n;
	return 0;
}

int cc_schedule__run(struct cc *c)
{
	free(c->rows);
	c->rows = NULL;
	return sched_serial(c);
}
