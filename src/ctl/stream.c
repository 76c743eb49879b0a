/* oakleyctl status a batch at a time: the order of the listing, and where
 * it resumes.  The cursor holds no pointer into the SA lists, so the
 * daemon may create and free SAs between two batches. */
#include <limits.h>
#include <string.h>

#include "ctl/status.h"
#include "ike/summary.h"

static bool name_wanted(const struct status_cursor *cur, const char *name)
{
	size_t n = strlen(cur->req.name);

	/* a group of subnets NAME: its pairs NAME/1x1 ... too */
	return !n || !strcmp(cur->req.name, name) ||
	       (!strncmp(cur->req.name, name, n) && name[n] == '/');
}

/* Inserts item (by key: an ISAKMP SA's serial, an IPsec SA's seq; largest first) into a batch of at
 * most STATUS_BATCH; *n grows until the batch is full, then the smallest goes. */
#define PICK_INSERT(pick, n, item, key)                                                            \
	do {                                                                                       \
		unsigned i_;                                                                       \
		if (*(n) == STATUS_BATCH && (item)->key <= (pick)[*(n)-1]->key)                    \
			break;                                                                     \
		i_ = *(n) < STATUS_BATCH ? (*(n))++ : *(n)-1;                                      \
		for (; i_ > 0 && (pick)[i_ - 1]->key < (item)->key; i_--)                          \
			(pick)[i_] = (pick)[i_ - 1];                                               \
		(pick)[i_] = (item);                                                               \
	} while (0)

/* The next batch of ISAKMP SAs: the largest serials below the cursor.  A
 * list seen newest first is read on from the last SA shown, when that SA
 * is still there (found by its cookie); otherwise the whole list is walked
 * and its order checked.  A walk from the mark that finds the order broken
 * starts again from the head.  (ike/ adds an SA at the head with a new
 * serial, so a list once newest first stays so; an SA added elsewhere with
 * a larger serial is seen as a break.) */
static unsigned pick_sas(struct ike_daemon *d, struct status_cursor *cur,
			 const struct ike_sa *pick[STATUS_BATCH])
{
	const struct ike_sa *sa = NULL, *mark = NULL;
	unsigned n = 0, prev = UINT_MAX;
	bool newest_first = true;

	if (cur->newest_first && cur->below != UINT_MAX)
		mark = ike_sa_by_serial(d, cur->mark_icookie, cur->below);
	if (mark)
		prev = mark->serial;
	for (sa = mark ? mark->next : d->sas; sa; sa = sa->next) {
		if (sa->serial >= prev) {
			if (mark) { /* out of order after all: walk it all */
				cur->newest_first = false;
				return pick_sas(d, cur, pick);
			}
			newest_first = false;
		}
		prev = sa->serial;
		if (sa->serial < cur->below && name_wanted(cur, sa->conn->name))
			PICK_INSERT(pick, &n, sa, serial);
		if (mark && n == STATUS_BATCH)
			break;
	}
	if (!mark)
		cur->newest_first = newest_first;
	if (n)
		memcpy(cur->mark_icookie, pick[n - 1]->icookie, 8);
	return n;
}

static unsigned pick_children(struct ike_daemon *d, struct status_cursor *cur,
			      const struct child_sa *pick[STATUS_BATCH])
{
	const struct child_sa *c = NULL, *mark = NULL;
	unsigned n = 0, prev = UINT_MAX;
	bool newest_first = true;

	if (cur->newest_first && cur->below != UINT_MAX)
		mark = ike_child_by_seq(d, cur->mark_spi, cur->below);
	if (mark)
		prev = mark->seq;
	for (c = mark ? mark->next : d->children; c; c = c->next) {
		if (c->seq >= prev) {
			if (mark) { /* out of order after all: walk it all */
				cur->newest_first = false;
				return pick_children(d, cur, pick);
			}
			newest_first = false;
		}
		prev = c->seq;
		if (c->seq < cur->below && name_wanted(cur, c->conn_name))
			PICK_INSERT(pick, &n, c, seq);
		if (mark && n == STATUS_BATCH)
			break;
	}
	if (!mark)
		cur->newest_first = newest_first;
	if (n)
		cur->mark_spi = pick[n - 1]->spi_in;
	return n;
}

static void item_sep(struct status_cursor *cur, struct buf *out)
{
	if (cur->req.json && cur->shown)
		buf_put_u8(out, ',');
	cur->shown++;
}

/* Opens the next part: its heading, or its JSON member. */
static void part_open(struct status_cursor *cur, enum status_part part, struct buf *out)
{
	static const char *const text[] = {
		[STATUS_CONNS] = "Connections:\n",
		[STATUS_SAS] = "ISAKMP SAs:\n",
		[STATUS_CHILDREN] = "IPsec SAs:\n",
		[STATUS_FAILURES] = "",
	};
	static const char *const json[] = {
		[STATUS_CONNS] = "\"connections\":[",
		[STATUS_SAS] = ",\"ike_sas\":[",
		[STATUS_CHILDREN] = ",\"ipsec_sas\":[",
		[STATUS_FAILURES] = ",\"failures\":[",
	};

	cur->part = part;
	cur->pos = 0;
	cur->shown = 0;
	cur->below = UINT_MAX;
	cur->newest_first = false;
	if (part < STATUS_DONE && !(cur->req.list && !cur->req.json))
		out_printf(out, "%s", cur->req.json ? json[part] : text[part]);
}

/* Closes the current part and opens the next. */
static void part_close(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	bool all = !cur->req.name[0];

	if (cur->req.list) { /* the connections were all it shows */
		if (cur->req.json)
			out_printf(out, "]}\n");
		part_open(cur, STATUS_DONE, out);
		return;
	}
	if (cur->req.json)
		buf_put_u8(out, ']');
	else if (!cur->shown && cur->part != STATUS_FAILURES)
		out_printf(out, "  none\n");
	if (cur->part == STATUS_SAS && all) {
		if (cur->req.json)
			status_halfopen_json(d, out);
		else
			status_halfopen_text(d, out);
		(cur->req.json ? status_pools_json : status_pools_text)(d, out);
	}
	if (cur->part == STATUS_FAILURES && cur->req.json)
		out_printf(out, "}\n");
	part_open(cur, cur->part + 1, out);
}

static void conns_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	const struct conn *c;
	unsigned n;

	if (cur->req.name[0]) {
		c = conf_conn(d->conf, cur->req.name);
		n = 1;
		if (!c)
			c = conf_group(d->conf, cur->req.name, &n); /* its pairs */
		for (; c && n; c++, n--) {
			item_sep(cur, out);
			(cur->req.json ? status_conn_json : status_conn_text)(d, c, out);
		}
		part_close(d, cur, out);
		return;
	}
	/* By index: a reload between batches shows the rest of the new list. */
	for (n = 0; n < STATUS_BATCH && cur->pos < d->conf->nconns; n++, cur->pos++) {
		item_sep(cur, out);
		(cur->req.json	 ? status_conn_json
		 : cur->req.list ? status_list_text
				 : status_conn_text)(d, &d->conf->conns[cur->pos], out);
	}
	if (cur->pos >= d->conf->nconns)
		part_close(d, cur, out);
}

static void sas_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	const struct ike_sa *pick[STATUS_BATCH];
	unsigned n = pick_sas(d, cur, pick), i;

	for (i = 0; i < n; i++) {
		item_sep(cur, out);
		(cur->req.json ? status_sa_json : status_sa_text)(pick[i], out);
	}
	if (n)
		cur->below = pick[n - 1]->serial;
	if (n < STATUS_BATCH)
		part_close(d, cur, out);
}

static void children_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	const struct child_sa *pick[STATUS_BATCH];
	unsigned n = pick_children(d, cur, pick), i;

	for (i = 0; i < n; i++) {
		item_sep(cur, out);
		(cur->req.json ? status_child_json : status_child_text)(pick[i], out);
	}
	if (n)
		cur->below = pick[n - 1]->seq;
	if (n < STATUS_BATCH)
		part_close(d, cur, out);
}

/* Newest first, by position: an entry that moves to the front between two
 * batches may be shown twice or not at all, never read after it is freed. */
static void failures_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	const struct ike_failure *f;
	unsigned skip = cur->pos, n = 0;

	for (f = d->failures; f && n < STATUS_BATCH; f = f->next) {
		if (!name_wanted(cur, f->conn))
			continue;
		if (skip) {
			skip--;
			continue;
		}
		if (!cur->req.json && !cur->shown)
			out_printf(out, "Last failures:\n");
		item_sep(cur, out);
		(cur->req.json ? status_failure_json : status_failure_text)(f, out);
		n++;
	}
	cur->pos += n;
	if (n < STATUS_BATCH)
		part_close(d, cur, out);
}

void status_start(struct status_cursor *cur, const struct status_req *req)
{
	memset(cur, 0, sizeof(*cur));
	cur->req = *req;
	cur->part = STATUS_HEAD;
}

bool status_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out)
{
	switch (cur->part) {
	case STATUS_HEAD:
		if (cur->req.json)
			out_printf(out, "{\"ok\":true,");
		if (!cur->req.name[0] && !cur->req.list) {
			if (cur->req.json)
				status_head_json(d, out);
			else
				status_head_text(d, out);
		}
		part_open(cur, STATUS_CONNS, out);
		break;
	case STATUS_CONNS:
		conns_next(d, cur, out);
		break;
	case STATUS_SAS:
		sas_next(d, cur, out);
		break;
	case STATUS_CHILDREN:
		children_next(d, cur, out);
		break;
	case STATUS_FAILURES:
		failures_next(d, cur, out);
		break;
	case STATUS_DONE:
		break;
	}
	return cur->part != STATUS_DONE;
}

bool status_name_known(struct ike_daemon *d, const char *name)
{
	const struct ike_failure *f;
	const struct child_sa *c;
	const struct ike_sa *sa;
	unsigned n;

	if (conf_conn(d->conf, name) || conf_group(d->conf, name, &n))
		return true;
	for (sa = d->sas; sa; sa = sa->next)
		if (!strcmp(sa->conn->name, name))
			return true;
	for (c = d->children; c; c = c->next)
		if (!strcmp(c->conn_name, name))
			return true;
	for (f = d->failures; f; f = f->next)
		if (!strcmp(f->conn, name))
			return true;
	return false;
}

static void status_all(struct ike_daemon *d, bool json, struct buf *out)
{
	struct status_req req = {.json = json};
	struct status_cursor cur;

	status_start(&cur, &req);
	while (status_next(d, &cur, out))
		;
}

void status_text(struct ike_daemon *d, struct buf *out)
{
	status_all(d, false, out);
}

void status_json(struct ike_daemon *d, struct buf *out)
{
	status_all(d, true, out);
}
