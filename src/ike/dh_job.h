/* A Diffie-Hellman step as a job (util/job.h): our key pair (made once,
 * kept for the later secret), our public value, and when the peer's is
 * given the shared secret.  The SA or Quick Mode that owns it goes on in
 * `then` once the job completes. */
#ifndef OAKLEY_IKE_DH_JOB_H
#define OAKLEY_IKE_DH_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "util/job.h"

struct dh_job {
	struct job job;
	uint16_t group;
	struct dh *dh; /* kept between the key pair and the secret */
	uint8_t peer[DH_MAX_PUBLIC];
	size_t peer_len; /* 0: the key pair only */
	uint8_t pub[DH_MAX_PUBLIC];
	size_t pub_len;
	uint8_t secret[DH_MAX_SECRET];
	size_t secret_len;
	int err; /* from the key pair; -EINVAL: the peer's value is invalid */
	void (*then)(struct dh_job *j);
};

void dh_job_init(struct dh_job *j);
/* Our key pair for group (unless made already), and the secret with peer
 * when peer_len is not 0; then(j) runs from the loop. */
int dh_job_start(struct loop *l, struct dh_job *j, uint16_t group, const uint8_t *peer,
		 size_t peer_len, void (*then)(struct dh_job *j));
/* Cancels a pending job, frees the key pair, wipes the secret. */
void dh_job_clear(struct loop *l, struct dh_job *j);

#endif
