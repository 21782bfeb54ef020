/*
 * sandbox.h: the system calls embargod may make once it runs.
 */
#ifndef EMBARGO_SANDBOX_H
#define EMBARGO_SANDBOX_H

int	sandbox_apply(void);
int	sandbox_export(int);

#endif
