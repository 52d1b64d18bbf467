/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagtctl — operator CLI
 *
 * SYNOPSIS
 *	brudvagtctl [-c CONFIG] COMMAND ...
 *
 * (placeholder: grows with the ingest issue)
 */
#include <stdio.h>

int main(void);

int
main(void)
{
	fprintf(stderr, "brudvagtctl: not yet implemented\n");
	return 69;
}
