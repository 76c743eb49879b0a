#ifndef OAKLEY_IKE_MAIN_MODE_H
#define OAKLEY_IKE_MAIN_MODE_H

#include "ike/ike.h"

/* Starts Main Mode for a connection; fn hears when the connection (phase 1
 * and its first Quick Mode) is up or has failed. */
int main_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg);

#endif
