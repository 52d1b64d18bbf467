/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagt-milter — triage at SMTP time
 *
 * SYNOPSIS
 *	brudvagt-milter -c CONFIG
 *
 * (placeholder: grows with the ingest issue)
 */
#include <stdio.h>

int main(void);

int
main(void)
{
	fprintf(stderr, "brudvagt-milter: not yet implemented\n");
	return 69;
}
