// SPDX-License-Identifier: Apache-2.0
/* A bridge's configuration file, turned into agent options (see
 * agent_config.h). */
#include "agent/cli/agent_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1 << 20)

static const struct option *find_option(const struct option *longopts, const char *name)
{
	for (const struct option *o = longopts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A growing argv with the file line of each entry. */
struct arglist {
	char **v;
	int *lines;
	int n, cap;
};

static int push(struct arglist *l, char *arg, int line)
{
	if (l->n + 2 > l->cap) {
		int cap = l->cap ? 2 * l->cap : 32;
		char **v = realloc(l->v, cap * sizeof(*v));
		int *lines;

		if (!v)
			return -ENOMEM;
		l->v = v;
		lines = realloc(l->lines, cap * sizeof(*lines));
		if (!lines)
			return -ENOMEM;
		l->lines = lines;
		l->cap = cap;
	}
	l->v[l->n] = arg;
	l->lines[l->n] = line;
	l->n++;
	l->v[l->n] = NULL;
	return 0;
}

static bool is_yes(const char *v)
{
	return !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1");
}

static bool is_no(const char *v)
{
	return !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0");
}

/* One line: appends its option to @opts or its port to @ports. Returns 0
 * or -EINVAL/-ENOMEM with @why set. The strings stay in @cfg's text. */
static int parse_line(const char *name, int line, char *s, const struct option *longopts,
		      struct arglist *opts, struct arglist *ports, char *why, size_t why_size)
{
	const struct option *o;
	char *hash = strchr(s, '#'), *eq, *key, *val = NULL, *arg;

	if (hash)
		*hash = '\0';
	s = trim(s);
	if (!*s)
		return 0;
	eq = strchr(s, '=');
	if (eq) {
		*eq = '\0';
		val = trim(eq + 1);
	}
	key = trim(s);
	if (key[0] == '-' && key[strspn(key, "-")]) {
		snprintf(why, why_size, "%s:%d: write keys without dashes: '%s', not '%s'", name,
			 line, key + strspn(key, "-"), key);
		return -EINVAL;
	}
	if (!*key || strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(key)) {
		snprintf(why, why_size, "%s:%d: expected KEY = VALUE or KEY, not '%s'", name, line,
			 key);
		return -EINVAL;
	}
	if (!strcmp(key, "port")) {
		if (!val || !*val) {
			snprintf(why, why_size, "%s:%d: port needs a value: port = IFACE[=N]", name,
				 line);
			return -EINVAL;
		}
		return push(ports, val, line);
	}
	o = find_option(longopts, key);
	if (!o || !strcmp(key, "config") || !strcmp(key, "help")) {
		snprintf(why, why_size, "%s:%d: unknown key '%s' (keys are port and the options "
			 "of xdpswitch agent, without --)", name, line, key);
		return -EINVAL;
	}
	if (o->has_arg == no_argument) {
		if (!val || is_yes(val))
			val = NULL;
		else if (is_no(val))
			return 0;
		else {
			snprintf(why, why_size, "%s:%d: %s is a flag: '%s' or '%s = yes|no', not "
				 "'= %s'", name, line, key, key, key, val);
			return -EINVAL;
		}
	} else if (o->has_arg == required_argument && (!val || !*val)) {
		snprintf(why, why_size, "%s:%d: %s needs a value: %s = VALUE", name, line, key,
			 key);
		return -EINVAL;
	}
	/* "--key=value" as one argument: an error the option parser finds
	 * points at one argv entry, so at this line. */
	if (asprintf(&arg, "--%s%s%s", key, val ? "=" : "", val ? val : "") < 0)
		return -ENOMEM;
	if (push(opts, arg, line)) {
		free(arg);
		return -ENOMEM;
	}
	return 0;
}

int xs_agent_config_parse(const char *name, const char *text, const struct option *longopts,
			  int argc, char **argv, struct xs_agent_config *cfg, char *why,
			  size_t why_size)
{
	struct arglist opts = { 0 }, ports = { 0 }, all = { 0 };
	char *copy = strdup(text), *s, *nl;
	int line = 0, err = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = name;
	if (!copy)
		return -ENOMEM;
	if (push(&opts, argv[0], 0))
		goto nomem;
	for (s = copy; *s && !err; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		line++;
		err = parse_line(name, line, s, longopts, &opts, &ports, why, why_size);
	}
	if (err)
		goto fail;
	/* The port strings point into the copy, which lives with the argv. */
	all = opts;
	opts.v = NULL;
	opts.lines = NULL;
	cfg->n_opts = all.n - 1;
	for (int i = 1; i < argc; i++)
		if (push(&all, argv[i], 0))
			goto nomem_all;
	for (int i = 0; i < ports.n; i++)
		if (push(&all, ports.v[i], ports.lines[i]))
			goto nomem_all;
	free(ports.v);
	free(ports.lines);
	ports.v = NULL;
	ports.lines = NULL;
	cfg->argc = all.n;
	cfg->argv = all.v;
	cfg->lines = all.lines;
	cfg->text = copy; /* the ports point into it */
	return 0;
nomem_all:
	opts = all;
	opts.n = cfg->n_opts + 1;
nomem:
	err = -ENOMEM;
	snprintf(why, why_size, "%s: out of memory", name);
fail:
	for (int i = 1; i < opts.n; i++) /* the file's options, allocated */
		free(opts.v[i]);
	free(opts.v);
	free(opts.lines);
	free(ports.v);
	free(ports.lines);
	free(copy);
	return err;
}

int xs_agent_config_load(const char *path, const struct option *longopts, int argc,
			 char **argv, struct xs_agent_config *cfg, char *why, size_t why_size)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		err = -errno;
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
		return err;
	}
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f) || n > CONFIG_MAX_BYTES || memchr(text, '\0', n)) {
		snprintf(why, why_size, "cannot read %s: %s", path,
			 ferror(f) ? strerror(EIO) : n > CONFIG_MAX_BYTES ?
			 "larger than 1 MiB" : "it contains a NUL byte");
		fclose(f);
		free(text);
		return -EINVAL;
	}
	fclose(f);
	text[n] = '\0';
	err = xs_agent_config_parse(path, text, longopts, argc, argv, cfg, why, why_size);
	free(text);
	return err;
}

void xs_agent_config_free(struct xs_agent_config *cfg)
{
	if (!cfg->argv)
		return;
	for (int i = 1; i <= cfg->n_opts; i++)
		free(cfg->argv[i]);
	free(cfg->text);
	free(cfg->argv);
	free(cfg->lines);
	memset(cfg, 0, sizeof(*cfg));
}

const char *xs_agent_config_arg(const char *shortopts, const struct option *longopts,
				int argc, char **argv)
{
	const struct option *cfg = find_option(longopts, "config");
	const char *path = NULL;
	int c, saved = opterr;

	if (!cfg)
		return NULL;
	opterr = 0;
	optind = 0; /* glibc: start afresh */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (c == cfg->val)
			path = optarg;
	opterr = saved;
	optind = 1;
	return path;
}
