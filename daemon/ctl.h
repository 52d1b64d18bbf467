/* SPDX-License-Identifier: MIT */
/*
 * ctl.h — brudvagtctl's commands. Each takes the loaded settings and its
 * own arguments (argv[0] is the command name) and returns a sysexits code.
 */
#ifndef BV_CTL_H
#define BV_CTL_H

#include "conf/settings.h"

int ctl_parse(const struct settings *s, int argc, char **argv);

#endif
