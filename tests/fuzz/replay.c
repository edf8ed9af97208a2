/* replay.c: main() for the replay build of a harness. Every argument is a file, or a
 * directory whose files are each one input; each goes through LLVMFuzzerTestOneInput
 * once. Prints "replayed N inputs" so a crash (ASan abort) is the only failure. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "input %s\n", path);	/* the last one names a crash */
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}


static long replay_dir(const char *dir)
{
	struct dirent **ents;
	char path[4096];
	long done = 0;
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0) {
		fprintf(stderr, "replay: %s: cannot list\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode) &&
		    !replay_file(path))
			done++;
		free(ents[i]);
	}
	free(ents);
	return done;
}

int main(int argc, char **argv)
{
	long total = 0, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			long n = replay_dir(argv[i]);

			n < 0 ? bad++ : (total += n);
		} else {
			replay_file(argv[i]) ? bad++ : total++;
		}
	}
	printf("replayed %ld inputs\n", total);
	return bad ? 1 : 0;
}
