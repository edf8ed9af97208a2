/* cc_opt.c */
#include "cc.h"

int cc_opt__run(struct cc *c)
{
	(void)c;
	return 0;
}
