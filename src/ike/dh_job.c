#include "ike/dh_job.h"
#include "util/hash.h"

#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>

static void dh_job_work(struct job *job)
{
	struct dh_job *j = container_of(job, struct dh_job, job);

	j->err = 0;
	if (!j->dh)
		j->err = dh_new(j->group, &j->dh);
	if (!j->err) {
		j->pub_len = dh_public_len(j->group);
		j->err = dh_public(j->dh, j->pub, j->pub_len);
	}
	if (!j->err && j->peer_len &&
	    dh_shared(j->dh, j->peer, j->peer_len, j->secret, &j->secret_len))
		j->err = -EINVAL;
}

static void dh_job_done(struct job *job)
{
	struct dh_job *j = container_of(job, struct dh_job, job);

	j->then(j);
}

void dh_job_init(struct dh_job *j)
{
	memset(j, 0, sizeof(*j));
	job_init(&j->job, dh_job_work, dh_job_done);
}

int dh_job_start(struct loop *l, struct dh_job *j, uint16_t group, const uint8_t *peer,
		 size_t peer_len, void (*then)(struct dh_job *j))
{
	if (peer_len > sizeof(j->peer))
		return -EINVAL;
	j->group = group;
	if (peer_len)
		memcpy(j->peer, peer, peer_len);
	j->peer_len = peer_len;
	j->then = then;
	return job_submit(l, &j->job);
}

static void dh_job_wipe_secret(struct dh_job *j)
{
	OPENSSL_cleanse(j->secret, sizeof(j->secret));
	j->secret_len = 0;
}

void dh_job_clear(struct loop *l, struct dh_job *j)
{
	job_cancel(l, &j->job);
	if (j->dh)
		dh_free(j->dh);
	j->dh = NULL;
	dh_job_wipe_secret(j);
}
