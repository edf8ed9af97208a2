/* main.c: unit-test runner. Usage: unit [FILTER] */
#include <stdlib.h>
#include "t.h"

static struct t_case *head, **tail = &head;
int t_failed;
static const char *skipped;

void t_register(struct t_case *c) { *tail = c; tail = &c->next; }
void t_skip(const char *why) { skipped = why; }

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0;

	for (struct t_case *c = head; c; c = c->next) {
		if (argc > 1 && !strstr(c->name, argv[1]))
			continue;
		t_failed = 0;
		skipped = NULL;
		c->fn();
		if (t_failed) {
			printf("FAIL %s\n", c->name);
			fail++;
		} else if (skipped) {
			printf("skip %s: %s\n", c->name, skipped);
			skip++;
		} else {
			printf("ok %s\n", c->name);
			pass++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
