/* A Diffie-Hellman step as a job (util/job.h): our key pair (made once,
 * kept for the later secret), our public value, and when the peer's is
 * given the shared secret.  The SA or Quick Mode that owns the slot goes
 * on in `then` once the job completes.
 *
 * The slot is the owner's; the work happens on a record of its own
 * (inputs and outputs by value, the key pair moved in and back out), so
 * dh_job_clear may be called while a worker computes, and the slot's
 * memory may be freed as soon as it returns: the record is then dropped,
 * its secret wiped, when the worker is done with it. */
#ifndef OAKLEY_IKE_DH_JOB_H
#define OAKLEY_IKE_DH_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "util/job.h"

struct dh_job {
	struct job job; /* job.pending: a job is in flight */
	uint16_t group;
	struct dh *dh; /* kept between the key pair and the secret */
	uint8_t pub[DH_MAX_PUBLIC];
	size_t pub_len;
	uint8_t secret[DH_MAX_SECRET];
	size_t secret_len;
	int err; /* from the key pair; -EINVAL: the peer's value is invalid */
	void (*then)(struct dh_job *j);
};

void dh_job_init(struct dh_job *j);
/* Our key pair for group (unless made already; a fresh one from the stock
 * of key pairs made ahead, see dh_take), and the secret with peer when
 * peer_len is not 0; then(j) runs from the loop.  -EBUSY while a job is in
 * flight, -EINVAL, -ENOMEM. */
int dh_job_start(struct loop *l, struct dh_job *j, uint16_t group, const uint8_t *peer,
		 size_t peer_len, void (*then)(struct dh_job *j));
/* Cancels a job in flight (it will never call then), frees the key pair,
 * wipes the secret.  Afterwards *j may be freed. */
void dh_job_clear(struct loop *l, struct dh_job *j);

/* Idle workers make key pairs ahead (dh_stock_fill); for job_pool_set_idle. */
bool dh_job_idle(void);

#endif
