/* oakleyctl status: its arguments, and the --summary counts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl/status.h"
#include "ike/summary.h"

int status_req_parse(const char *args, struct status_req *req, char *why, size_t whylen)
{
	char copy[512], *word, *save = NULL;

	memset(req, 0, sizeof(*req));
	snprintf(copy, sizeof(copy), "%s", args ? args : "");
	for (word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		if (!strcmp(word, "--json")) {
			req->json = true;
		} else if (!strcmp(word, "--summary")) {
			req->summary = true;
		} else if (word[0] == '-') {
			snprintf(why, whylen,
				 "unknown option '%s' (try: status [--json] [--summary | NAME])",
				 word);
			return -EINVAL;
		} else if (req->name[0]) {
			snprintf(why, whylen, "one connection at a time: '%s' and '%.64s'",
				 req->name, word);
			return -EINVAL;
		} else if (strlen(word) >= sizeof(req->name)) {
			snprintf(why, whylen, "no connection named '%.64s...' (names are shorter)",
				 word);
			return -EINVAL;
		} else {
			snprintf(req->name, sizeof(req->name), "%s", word);
		}
	}
	if (req->summary && req->name[0]) {
		snprintf(why, whylen, "--summary counts every connection; it takes no NAME");
		return -EINVAL;
	}
	return 0;
}

/* One row per count: the same names in text and JSON, and never renamed,
 * since scripts grep for them. */
#define SUMMARY_ROWS(X)                                                                            \
	X("connections", s->connections)                                                           \
	X("isakmp_sas_negotiating", s->ike_negotiating)                                            \
	X("isakmp_sas_established", s->ike_established)                                            \
	X("isakmp_sas_failed", s->ike_failed)                                                      \
	X("ipsec_sas", s->ipsec_sas)                                                               \
	X("ipsec_sas_installed", s->ipsec_installed)                                               \
	X("quick_modes_negotiating", s->quick_negotiating)                                         \
	X("half_open", s->halfopen)                                                                \
	X("last_failures", s->failures)                                                            \
	X("dropped_halfopen_limits", s->dropped_halfopen)                                          \
	X("dropped_malformed_first", s->dropped_first)                                             \
	X("dropped_undecryptable", s->dropped_undecryptable)                                       \
	X("dropped_aggressive_rate", s->dropped_am_rate)

void status_summary(const struct ike_summary *s, bool json, struct buf *out)
{
	const char *sep = "{\"ok\":true,";

#define SUMMARY_TEXT(name, val) out_printf(out, "%s: %" PRIu64 "\n", name, (uint64_t)(val));
#define SUMMARY_JSON(name, val)                                                                    \
	out_printf(out, "%s\"%s\":%" PRIu64, sep, name, (uint64_t)(val));                          \
	sep = ",";
	if (json) {
		SUMMARY_ROWS(SUMMARY_JSON)
		out_printf(out, "}\n");
	} else {
		SUMMARY_ROWS(SUMMARY_TEXT)
	}
#undef SUMMARY_TEXT
#undef SUMMARY_JSON
}
