/* The ipsec.conf tokenizer, after strongSwan's starter lexer: a line that
 * starts in column 0 opens a section ("config setup", "conn NAME") or is an
 * include; an indented line is "key=value" of the open section.  Tokens
 * are words, "quoted strings" (escapes \n \t \r, \x = x) and '='; '#'
 * outside quotes starts a comment, except in a word that starts "@#" (a
 * key ID).  A value of several tokens is joined with single spaces;
 * "key=" with nothing after it resets the key.  "version ..." lines are
 * the legacy version statement and are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "conf/internal.h"

enum tok_type { TOK_WORD, TOK_STRING, TOK_EQ };

struct tok {
	enum tok_type type;
	const char *s;
};

struct lexer {
	struct conf_ctx *ctx;
	const char *file;
	unsigned file_idx;
	unsigned line;
	struct tok *toks; /* room for the longest line + 1 tokens */
	unsigned n;
	char *scratch; /* token text: 2 * longest line + 2 */
	char *value;   /* a joined value: the same size */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What ends a word: strchr("\"#= \t", c) for every character of a 15 MB
 * file showed in the profile. */
static const bool ends_word[256] = {
	[0] = true, ['"'] = true, ['#'] = true, ['='] = true, [' '] = true, ['\t'] = true,
};

static const char *lex_string(struct lexer *lx, const char *p, char **w)
{
	char c;

	for (p++; *p && *p != '"'; p++) {
		c = *p;
		if (c == '\\' && p[1]) {
			c = *++p;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
		}
		*(*w)++ = c;
	}
	if (!*p)
		return NULL;
	*(*w)++ = 0;
	return p + 1;
}

static int lex_line(struct lexer *lx, const char *p)
{
	char *w = lx->scratch;

	lx->n = 0;
	while (*p) {
		struct tok *t = &lx->toks[lx->n];

		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (*p == '#')
			break;
		t->s = w;
		if (*p == '=') {
			t->type = TOK_EQ;
			*w++ = '=';
			*w++ = 0;
			p++;
		} else if (*p == '"') {
			t->type = TOK_STRING;
			p = lex_string(lx, p, &w);
			if (!p)
				return conf_error(lx->ctx, lx->file, lx->line,
						  "unterminated quoted string");
		} else {
			t->type = TOK_WORD;
			if (p[0] == '@' && p[1] == '#') {
				*w++ = *p++;
				*w++ = *p++;
			}
			while (!ends_word[(uint8_t)*p])
				*w++ = *p++;
			*w++ = 0;
		}
		lx->n++;
	}
	return 0;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return t->type == TOK_WORD && !strcmp(t->s, word);
}

static int do_include(struct lexer *lx, bool indented)
{
	struct conf_ctx *ctx = lx->ctx;
	enum parse_where where = ctx->where;
	unsigned cur = ctx->cur;
	int ret;

	if (lx->n != 2 || lx->toks[1].type == TOK_EQ)
		return conf_error(ctx, lx->file, lx->line,
				  "include takes one file name or pattern");
	/* In column 0 an include stands between sections; indented, it
	 * carries on the open section, as strongSwan's lexer lets it. */
	if (!indented)
		ctx->where = IN_NONE;
	ret = conf_include(ctx, lx->file, lx->line, lx->toks[1].s, conf_parse_file);
	ctx->where = indented ? where : IN_NONE;
	ctx->cur = cur;
	return ret;
}

static int section_line(struct lexer *lx)
{
	const struct tok *t = lx->toks;

	if (lx->n >= 2 && t[1].type == TOK_EQ)
		return conf_error(lx->ctx, lx->file, lx->line,
				  "'%s=' must be indented to belong to the section above it",
				  t[0].s);
	if (tok_is(&t[0], "config")) {
		if (lx->n != 2 || !tok_is(&t[1], "setup"))
			return conf_error(lx->ctx, lx->file, lx->line,
					  "the only config section is 'config setup'");
		return conf_begin_setup(lx->ctx, lx->file, lx->line);
	}
	if (tok_is(&t[0], "conn")) {
		if (lx->n < 2 || !t[1].s[0])
			return conf_error(lx->ctx, lx->file, lx->line, "conn without a name");
		if (lx->n > 2)
			return conf_error(lx->ctx, lx->file, lx->line,
					  "unexpected '%s' after 'conn %s'", t[2].s, t[1].s);
		return conf_begin_conn(lx->ctx, t[1].s, lx->file, lx->line);
	}
	if (tok_is(&t[0], "ca"))
		return conf_error(lx->ctx, lx->file, lx->line,
				  "ca sections are not supported by oakley: put CA certificates in "
				  "cacerts/ and CRLs in crls/");
	if (tok_is(&t[0], "include"))
		return do_include(lx, false);
	return conf_error(lx->ctx, lx->file, lx->line,
			  "unexpected '%s' (a line in column 0 is 'config setup', 'conn NAME' "
			  "or 'include FILE')",
			  t[0].s);
}

static int setting_line(struct lexer *lx)
{
	const struct tok *t = lx->toks;
	struct setting s = {.file = lx->file, .line = lx->line, .file_idx = lx->file_idx};
	char *w = lx->value;
	unsigned i;

	if (tok_is(&t[0], "include") && lx->n == 2 && t[1].type != TOK_EQ)
		return do_include(lx, true);
	if (t[0].type != TOK_WORD || lx->n < 2 || t[1].type != TOK_EQ)
		return conf_error(lx->ctx, lx->file, lx->line, "expected key=value, not '%s'",
				  t[0].s);
	s.key = t[0].s;
	for (i = 2; i < lx->n; i++) {
		if (t[i].type == TOK_EQ)
			return conf_error(lx->ctx, lx->file, lx->line,
					  "unexpected '=' in the value of '%s' (quote a value that "
					  "holds '=')",
					  s.key);
		if (i > 2)
			*w++ = ' ';
		w = stpcpy(w, t[i].s);
	}
	*w = 0;
	s.value = lx->n > 2 ? lx->value : NULL;
	return conf_setting(lx->ctx, &s);
}

static int one_line(struct lexer *lx, const char *text)
{
	const char *p = text;
	bool indented = is_blank(*p);
	int ret;

	while (is_blank(*p))
		p++;
	if (p[0] == 'v' && !strncmp(p, "version", 7) && (is_blank(p[7]) || !p[7]))
		return 0;
	ret = lex_line(lx, p);
	if (ret || !lx->n)
		return ret;
	return indented ? setting_line(lx) : section_line(lx);
}

static size_t longest_line(const char *p, const char *end)
{
	size_t max = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;

		if (n > max)
			max = n;
		p += n + 1;
	}
	return max;
}

int conf_parse_file(struct conf_ctx *ctx, const char *path, const char *from, unsigned from_line)
{
	struct lexer lx = {.ctx = ctx};
	char *data = NULL, *p, *end;
	size_t len, max;
	int ret;

	ret = conf_read_file(ctx, path, false, from, from_line, &data, &len);
	if (ret)
		return ret;
	ret = -ENOMEM;
	lx.file = conf_file_name(ctx, path, &lx.file_idx);
	max = longest_line(data, data + len);
	lx.toks = calloc(max + 1, sizeof(*lx.toks));
	lx.scratch = malloc(2 * max + 2);
	lx.value = malloc(2 * max + 2);
	if (!lx.file || !lx.toks || !lx.scratch || !lx.value)
		goto out;
	ret = 0;
	for (p = data, end = data + len; p < end && !ret; p++) {
		char *nl = memchr(p, '\n', end - p);

		if (!nl)
			nl = end;
		*nl = 0;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = 0;
		lx.line++;
		ret = one_line(&lx, p);
		p = nl;
	}
out:
	free(lx.toks);
	free(lx.scratch);
	free(lx.value);
	free(data);
	return ret;
}
