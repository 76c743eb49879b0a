/* Recovering lost messages that plain retransmission does not cover. */
#ifndef OAKLEY_IKE_LOSS_H
#define OAKLEY_IKE_LOSS_H

struct quick;

/* Before our Quick Mode's QM1 goes out again: under an Aggressive Mode
 * SA we initiated, AM3 goes out again first (see loss.c). */
void loss_am3_again(struct quick *q);

#endif
