/* SPDX-License-Identifier: MIT */
/*
 * analysis_json.c — the contract's JSON object for one analysed message
 * (brudvagtctl parse, and the analysis stored with each message), through
 * jansson. Keys in the contract's order.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "filters/analysis.h"
#include "filters/charset.h"
#include "lib/cphtime.h"
#include "lib/log.h"

/*
 * s as a JSON string, or null. jansson refuses invalid UTF-8: say so
 * rather than lose the key. charset_is_utf8() accepts exactly what
 * json_string() would (no overlong forms, surrogates or code points past
 * U+10FFFF) at a fraction of the cost, so jansson need not check again.
 */
static json_t *
str_or_null(const char *s)
{
	size_t n;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	if (!charset_is_utf8(s, n)) {
		s = "(invalid UTF-8)";
		n = strlen(s);
	}
	return json_stringn_nocheck(s, n);
}

static json_t *
time_or_null(bool has, int64_t t)
{
	char iso[CPH_ISO_MAX];

	if (!has)
		return json_null();
	cph_iso_minute(t, iso);
	return json_string(iso);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *
municipalities(const struct settings *s, const struct analysis *a)
{
	json_t *arr = json_array();
	const char **names = calloc(a->naffected_slots + 1, sizeof(char *));
	size_t i, n = 0;

	if (names == NULL)
		panic("analysis_json: out of memory");
	for (i = 0; i < a->naffected_slots && a->kind == KIND_REPORT; i++)
		if (a->affected[i])
			names[n++] = s->municipalities[i].name;
	qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(names[i]));
	free(names);
	return arr;
}

static json_t *
categories(const struct analysis *a)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; i < CAT_COUNT && a->kind == KIND_REPORT; i++)
		if (a->categories & (1u << i))
			json_array_append_new(arr, json_string(analysis_category_name(i)));
	return arr;
}

static json_t *
tristate(enum tristate t)
{
	return t == TRI_NULL ? json_null() : json_boolean(t == TRI_TRUE);
}

char *
analysis_to_json(const struct settings *s, const struct analysis *a, const char *file)
{
	bool rep = a->kind == KIND_REPORT;
	json_t *o = json_object();
	char *out;

	json_object_set_new(o, "file", str_or_null(file));
	json_object_set_new(o, "message_id", str_or_null(a->message_id));
	json_object_set_new(o, "kind", json_string(analysis_kind_name(a->kind)));
	json_object_set_new(o, "origin", str_or_null(rep ? analysis_origin_name(a->origin) : NULL));
	json_object_set_new(o, "reporting_municipality",
		str_or_null(rep && a->reporting_municipality >= 0 ?
			    s->municipalities[a->reporting_municipality].name : NULL));
	json_object_set_new(o, "affected_municipalities", municipalities(s, a));
	json_object_set_new(o, "affects_all", json_boolean(rep && a->affects_all));
	json_object_set_new(o, "case_ref", str_or_null(a->case_ref[0] ? a->case_ref : NULL));
	json_object_set_new(o, "affected_count",
		rep && a->affected_count >= 0 ? json_integer(a->affected_count) : json_null());
	json_object_set_new(o, "breach_at", time_or_null(rep && a->has_breach_at, a->breach_at));
	json_object_set_new(o, "discovered_at",
		time_or_null(rep && a->has_discovered_at, a->discovered_at));
	json_object_set_new(o, "data_categories", categories(a));
	json_object_set_new(o, "cpr_count", json_integer(a->cpr_count));
	json_object_set_new(o, "reported_to_authority",
		tristate(rep ? a->reported_to_authority : TRI_NULL));
	json_object_set_new(o, "severity", str_or_null(rep ? analysis_severity_name(a->severity) : NULL));
	json_object_set_new(o, "spoofed", json_boolean(a->spoofed));
	json_object_set_new(o, "description", str_or_null(rep ? a->description : NULL));
	json_object_set_new(o, "cause", str_or_null(rep ? a->cause : NULL));
	json_object_set_new(o, "consequences", str_or_null(rep ? a->consequences : NULL));
	json_object_set_new(o, "measures", str_or_null(rep ? a->measures : NULL));
	out = json_dumps(o, JSON_PRESERVE_ORDER);
	json_decref(o);
	if (out == NULL)
		panic("analysis_json: json_dumps failed");
	return out;
}
