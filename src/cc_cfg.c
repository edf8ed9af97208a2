/* cc_cfg.c: control flow graph. Compacts the instruction array (dropping CC_NOP),
 * finds the basic blocks (leaders: the entry, jump targets, what follows a jump or an
 * exit), links them, and removes blocks no path from the entry reaches. After it a
 * jump's tgt is a block index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"

/* jumps back to instruction indexes, so the array can change under the blocks */
static void unblock(struct cc *c)
{
	if (!c->b)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		if (c->v[i].op != CC_NOP && cc__is_jump(&c->v[i]))
			c->v[i].tgt = c->b[c->v[i].tgt].first;
	free(c->b);
	c->b = NULL;
	c->nb = 0;
}

static int compact(struct cc *c)
{
	uint32_t *map = malloc((c->n + 1) * sizeof(*map)), k = 0;

	if (!map)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->n; i++) {
		map[i] = k;
		k += c->v[i].op != CC_NOP;
	}
	map[c->n] = k;
	for (uint32_t i = 0, j = 0; i < c->n; i++) {
		if (c->v[i].op == CC_NOP)
			continue;
		c->v[j] = c->v[i];
		if (cc__is_jump(&c->v[j]) || cc__form(&c->v[j]) == F_CALL_LOCAL)
			c->v[j].tgt = map[c->v[j].tgt];
		j++;
	}
	c->n = k;
	free(map);
	return 0;
}

static int link(struct cc *c)
{
	for (uint32_t b = 0; b < c->nb; b++) {
		struct cc_block *bb = &c->b[b];
		struct cc_insn *last = &c->v[bb->first + bb->n - 1];

		bb->succ[0] = bb->succ[1] = CC_NONE;
		if (cc__is_jump(last)) {
			if (last->tgt >= c->n)
				return cc__fail(c, last->origin, "jump past the end");
			last->tgt = c->blk[last->tgt];
			bb->succ[1] = last->tgt;
		}
		if (!cc__ends_flow(last)) {
			if (b + 1 == c->nb)
				return cc__fail(c, last->origin,
						"the program may fall off its end");
			bb->succ[0] = b + 1;
		}
	}
	for (uint32_t b = 0; b < c->nb; b++)
		for (int s = 0; s < 2; s++)
			if (c->b[b].succ[s] != CC_NONE && (s == 0 || c->b[b].succ[1] != c->b[b].succ[0]))
				c->b[c->b[b].succ[s]].npred++;
	for (uint32_t b = 0; b < c->nb; b++)
		if (c->b[b].succ[1] != CC_NONE)
			c->b[c->b[b].succ[1]].target = 1;
	return 0;
}

static int blocks(struct cc *c)
{
	uint8_t *lead = calloc(c->n + 1, 1);
	uint32_t nb = 0;

	free(c->blk);
	c->blk = malloc((c->n ? c->n : 1) * sizeof(*c->blk));
	if (!lead || !c->blk) {
		free(lead);
		return -ENOMEM;
	}
	lead[0] = 1;
	for (uint32_t i = 0; i < c->n; i++) {
		const struct cc_insn *in = &c->v[i];

		if (cc__is_jump(in) && in->tgt < c->n)
			lead[in->tgt] = 1;
		if (cc__is_ctl(in))
			lead[i + 1] = 1;
	}
	for (uint32_t i = 0; i < c->n; i++)
		nb += lead[i];
	c->b = calloc(nb ? nb : 1, sizeof(*c->b));
	if (!c->b) {
		free(lead);
		return -ENOMEM;
	}
	c->nb = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		if (lead[i]) {
			c->b[c->nb].first = i;
			c->nb++;
		}
		c->b[c->nb - 1].n++;
		c->blk[i] = c->nb - 1;
	}
	free(lead);
	return link(c);
}

/* drop what no path from the entry reaches; 1 if something was dropped */
static int unreachable(struct cc *c)
{
	uint32_t *stack = malloc(c->nb * sizeof(*stack)), sp = 0;
	uint8_t *seen = calloc(c->nb, 1);
	int dropped = 0;

	if (!stack || !seen) {
		free(stack);
		free(seen);
		return -ENOMEM;
	}
	seen[0] = 1;
	stack[sp++] = 0;
	while (sp) {
		const struct cc_block *b = &c->b[stack[--sp]];

		for (int s = 0; s < 2; s++)
			if (b->succ[s] != CC_NONE && !seen[b->succ[s]]) {
				seen[b->succ[s]] = 1;
				stack[sp++] = b->succ[s];
			}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		if (seen[b])
			continue;
		for (uint32_t i = 0; i < c->b[b].n; i++)
			c->v[c->b[b].first + i].op = CC_NOP;
		dropped = 1;
	}
	free(stack);
	free(seen);
	return dropped;
}

int cc_cfg__insert(struct cc *c, uint32_t at, const struct cc_insn *ins, uint32_t n)
{
	int e;

	unblock(c);	/* jumps to instruction indexes */
	if ((e = cc__reserve(c, c->n + n)))
		return e;
	memmove(c->v + at + n, c->v + at, (c->n - at) * sizeof(*c->v));
	memcpy(c->v + at, ins, n * sizeof(*ins));
	c->n += n;
	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];

		/* every target, the inserted jumps' too, is in the old numbering */
		if ((cc__is_jump(in) || cc__form(in) == F_CALL_LOCAL) && in->tgt >= at)
			in->tgt += n;
	}
	return cc_cfg__build(c);
}

int cc_cfg__build(struct cc *c)
{
	int e;

	for (int round = 0; round < 2; round++) {
		unblock(c);
		if ((e = compact(c)))
			return e;
		if (!c->n)
			return cc__fail(c, CC_NONE, "no instructions left");
		if ((e = blocks(c)))
			return e;
		if ((e = unreachable(c)) <= 0)
			return e;
	}
	return 0;
}
