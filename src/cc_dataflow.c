/* cc_dataflow.c: liveness, pointer kinds, memory dependencies */
#include "cc.h"

int cc_dataflow__run(struct cc *c)
{
	(void)c;
	return 0;
}
