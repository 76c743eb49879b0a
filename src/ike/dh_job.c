#include "ike/dh_job.h"
#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

/* What travels to a worker and back: by value, nothing of the owner's. */
struct dh_rec {
	struct job_rec head;
	uint16_t group;
	struct dh *dh; /* the slot's key pair, or NULL: take one */
	uint8_t peer[DH_MAX_PUBLIC];
	size_t peer_len;
	uint8_t pub[DH_MAX_PUBLIC];
	size_t pub_len;
	uint8_t secret[DH_MAX_SECRET];
	size_t secret_len;
	int err;
};

static void dh_rec_work(struct job_rec *head)
{
	struct dh_rec *r = container_of(head, struct dh_rec, head);

	r->err = 0;
	if (!r->dh)
		r->err = dh_take(r->group, &r->dh);
	if (!r->err) {
		r->pub_len = dh_public_len(r->group);
		r->err = dh_public(r->dh, r->pub, r->pub_len);
	}
	if (!r->err && r->peer_len &&
	    dh_shared(r->dh, r->peer, r->peer_len, r->secret, &r->secret_len))
		r->err = -EINVAL;
}

static void dh_job_wipe_secret(struct dh_job *j)
{
	OPENSSL_cleanse(j->secret, sizeof(j->secret));
	j->secret_len = 0;
}

/* The slot is still there: the results and the key pair move into it. */
static void dh_rec_done(struct job *job, struct job_rec *head)
{
	struct dh_job *j = container_of(job, struct dh_job, job);
	struct dh_rec *r = container_of(head, struct dh_rec, head);

	dh_free(j->dh);
	j->dh = r->dh;
	r->dh = NULL;
	j->err = r->err;
	j->pub_len = r->pub_len;
	memcpy(j->pub, r->pub, r->pub_len);
	if (r->peer_len) {
		dh_job_wipe_secret(j);
		memcpy(j->secret, r->secret, r->secret_len);
		j->secret_len = r->secret_len;
	}
	j->then(j);
}

static void dh_rec_free(struct job_rec *head)
{
	struct dh_rec *r = container_of(head, struct dh_rec, head);

	dh_free(r->dh);
	OPENSSL_cleanse(r->secret, sizeof(r->secret));
	free(r);
}

static const struct job_type dh_job_type = {dh_rec_work, dh_rec_done, dh_rec_free};

void dh_job_init(struct dh_job *j)
{
	memset(j, 0, sizeof(*j));
	job_init(&j->job);
}

int dh_job_start(struct loop *l, struct dh_job *j, uint16_t group, const uint8_t *peer,
		 size_t peer_len, void (*then)(struct dh_job *j))
{
	struct dh_rec *r;

	if (peer_len > sizeof(r->peer))
		return -EINVAL;
	if (j->job.pending)
		return -EBUSY;
	/* Only head and the inputs need zeroes: the outputs are written. */
	if (!(r = malloc(sizeof(*r))))
		return -ENOMEM;
	memset(r, 0, offsetof(struct dh_rec, peer));
	r->head.type = &dh_job_type;
	r->group = group;
	/* A key pair of another group is no use (and would be misused). */
	if (j->dh && dh_group(j->dh) == group) {
		r->dh = j->dh;
		j->dh = NULL;
	}
	if (peer_len)
		memcpy(r->peer, peer, peer_len);
	r->peer_len = peer_len;
	r->pub_len = r->secret_len = 0;
	r->err = 0;
	j->group = group;
	j->then = then;
	return job_submit(l, &j->job, &r->head);
}

void dh_job_clear(struct loop *l, struct dh_job *j)
{
	job_cancel(l, &j->job);
	dh_free(j->dh);
	j->dh = NULL;
	dh_job_wipe_secret(j);
}

bool dh_job_idle(void)
{
	return dh_stock_fill();
}
