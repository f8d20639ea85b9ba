/* replay.c - run a libFuzzer harness over saved inputs without libFuzzer (any compiler; the
 * ASan build makes it a regression test).  Arguments are files, or directories whose regular
 * files are all replayed (not recursively).  Prints "replayed N inputs"; exit 0, or 1 when an
 * argument could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REPLAY_MAX_INPUT (64u << 20) /* larger inputs are not fuzz inputs */

/* Read path whole into a buffer of exactly its size, so overreads hit the redzone. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t got = n ? fread(buf, 1, n, f) : 0;
	int err = ferror(f);
	fclose(f);
	if (got != n || err) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, unsigned long *count)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		int len = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		if (len < 0 || (size_t)len >= sizeof(path) || stat(path, &st) != 0) {
			rc = -1;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (replay_file(path) != 0)
			rc = -1;
		else
			(*count)++;
	}
	closedir(dp);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (replay_file(argv[i]) != 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("replayed %lu inputs\n", count);
	return rc;
}
