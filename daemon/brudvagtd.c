/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagtd — watch the system owner's mailboxes and run the breach procedure
 *
 * SYNOPSIS
 *	brudvagtd -c CONFIG [--check-config] [--once] [-v]
 *
 * (placeholder: grows with the ingest issue)
 */
#include <stdio.h>

int main(void);

int
main(void)
{
	fprintf(stderr, "brudvagtd: not yet implemented\n");
	return 69;
}
