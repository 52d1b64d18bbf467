/* SPDX-License-Identifier: MIT */
/*
 * daemon.h — brudvagtd's run loop: one watcher thread per account, signals
 * handled in the main thread (SIGTERM/SIGINT stop, SIGHUP reload), systemd
 * notification (READY, STATUS, WATCHDOG).
 */
#ifndef BV_DAEMON_H
#define BV_DAEMON_H

#include <stdbool.h>

#include "conf/settings.h"

/*
 * Run until SIGTERM/SIGINT (or, with once, until every account has been
 * caught up, and then run the deadline check once). The deadline clock
 * (deadlines.h) runs every DEADLINES_INTERVAL_SECONDS. *sp is the loaded configuration from config_path; on SIGHUP
 * the file is loaded again and swapped in only when valid (the old one is
 * kept otherwise), so *sp may change. Returns a sysexits code: 0, or 69
 * with once when an account could not be reached, 74 when the store could
 * not be opened (or, with once, the deadline check could not read it).
 */
int daemon_run(const char *config_path, struct settings **sp, bool once);

#endif
