// SPDX-License-Identifier: Apache-2.0
/* A fuzz target's smoke run for `make test`, without libFuzzer: linked with
 * one tests/fuzz/fuzz_*.c under gcc's ASan + UBSan, it feeds
 * LLVMFuzzerTestOneInput every file named on the command line (seeds and
 * kept reproducers) and then simple mutations of them (bit flips, byte
 * sets, truncations, insertions, splices) from a fixed seed, for at most
 * SMOKE_SECONDS (default 3) or SMOKE_RUNS (default 200000) runs. A
 * sanitizer report or a trap ends the process with an error; otherwise it
 * prints one TAP line. The long, coverage-guided runs are `make fuzz`.
 *
 *   smoke NAME FILE...   (directories are read one level deep) */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMOKE_MAX_LEN 4096
#define SMOKE_MAX_LENS 1024

struct input {
	uint8_t *data;
	size_t len;
};

static struct input inputs[SMOKE_MAX_LENS];
static size_t n_inputs;

static int add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input *in;

	if (!f)
		return -errno;
	if (n_inputs == SMOKE_MAX_LENS) {
		fclose(f);
		return 0;
	}
	in = &inputs[n_inputs];
	in->data = malloc(SMOKE_MAX_LEN);
	if (!in->data) {
		fclose(f);
		return -ENOMEM;
	}
	in->len = fread(in->data, 1, SMOKE_MAX_LEN, f);
	fclose(f);
	n_inputs++;
	return 0;
}

static int add_path(const char *path)
{
	char sub[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int err = 0;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return add_file(path);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!err && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (!stat(sub, &st) && S_ISREG(st.st_mode))
			err = add_file(sub);
	}
	closedir(d);
	return err;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One mutation of a random input (or of nothing) into buf; returns its
 * length. */
static size_t mutate(uint8_t *buf)
{
	const struct input *in = n_inputs ? &inputs[next() % n_inputs] : NULL;
	size_t len = in ? in->len : 0;
	int steps = 1 + next() % 4;

	if (len)
		memcpy(buf, in->data, len);
	for (int s = 0; s < steps; s++) {
		size_t pos = len ? next() % len : 0;

		switch (next() % 6) {
		case 0: /* flip a bit */
			if (len)
				buf[pos] ^= 1u << (next() % 8);
			break;
		case 1: /* an interesting byte */
			if (len) {
				static const uint8_t b[] = { 0, 1, 0x7f, 0x80, 0xff, '\n', ' ', '=',
							     ',', '/', ':', '0', '9' };
				buf[pos] = b[next() % sizeof(b)];
			}
			break;
		case 2: /* truncate */
			len = pos;
			break;
		case 3: /* insert a byte */
			if (len < SMOKE_MAX_LEN) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = (uint8_t)next();
				len++;
			}
			break;
		case 4: /* splice the tail of another input */
			if (n_inputs) {
				const struct input *o = &inputs[next() % n_inputs];
				size_t from = o->len ? next() % o->len : 0;
				size_t n = o->len - from;

				if (pos + n > SMOKE_MAX_LEN)
					n = SMOKE_MAX_LEN - pos;
				memcpy(buf + pos, o->data + from, n);
				len = pos + n;
			}
			break;
		default: /* random bytes */
			for (size_t i = pos; i < len && i < pos + 4; i++)
				buf[i] = (uint8_t)next();
			break;
		}
	}
	return len;
}

/* Runs the target on an exact-size copy, so ASan sees any read past it. */
static void run_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *secs = getenv("SMOKE_SECONDS"), *max = getenv("SMOKE_RUNS");
	double limit = secs ? atof(secs) : 3.0, t0 = now_s();
	unsigned long runs = 0, max_runs = max ? strtoul(max, NULL, 10) : 200000;
	static uint8_t buf[SMOKE_MAX_LEN];

	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME [FILE|DIR]...\n", argv[0]);
		return 2;
	}
	printf("1..1\n");
	for (int i = 2; i < argc; i++) {
		int err = add_path(argv[i]);

		if (err && err != -ENOENT) {
			printf("not ok 1 - %s: reading %s: %s\n", argv[1], argv[i], strerror(-err));
			return 1;
		}
	}
	for (size_t i = 0; i < n_inputs; i++, runs++)
		run_one(inputs[i].data, inputs[i].len);
	while (runs < max_runs && now_s() - t0 < limit) {
		run_one(buf, mutate(buf));
		runs++;
	}
	printf("ok 1 - %s: %zu inputs replayed, %lu runs in %.1f s under ASan+UBSan\n", argv[1],
	       n_inputs, runs, now_s() - t0);
	return 0;
}
