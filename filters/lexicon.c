/* SPDX-License-Identifier: MIT */
/*
 * lexicon.c — the word tables behind classify.c and extract.c. Data only.
 * All entries are lowercase; { text, value, prefix }: prefix = 1 matches
 * the beginning of a word ("helbred" matches "helbredsoplysninger").
 */
#include <stddef.h>

#include "filters/lexicon.h"

/* Labels of the procedure's register and the ways people write them.
 * Matched at the start of a line, followed by ':' (longest first wins). */
const struct lex_entry lex_field_labels[] = {
	{ "dato og tidspunkt for bruddet", F_BREACH_AT, 0 },
	{ "dato og tidspunkt for brud", F_BREACH_AT, 0 },
	{ "dato og tidspunkt for hændelsen", F_BREACH_AT, 0 },
	{ "tidspunkt for bruddet", F_BREACH_AT, 0 },
	{ "tidspunkt for brud", F_BREACH_AT, 0 },
	{ "tidspunkt for hændelsen", F_BREACH_AT, 0 },
	{ "tidspunkt for sikkerhedsbruddet", F_BREACH_AT, 0 },
	{ "dato for bruddet", F_BREACH_AT, 0 },
	{ "hvornår skete bruddet", F_BREACH_AT, 0 },
	{ "hvornår skete det", F_BREACH_AT, 0 },
	{ "bruddet skete", F_BREACH_AT, 0 },
	{ "hændelsestidspunkt", F_BREACH_AT, 0 },
	{ "brudtidspunkt", F_BREACH_AT, 0 },
	{ "time of breach", F_BREACH_AT, 0 },
	{ "time of incident", F_BREACH_AT, 0 },
	{ "incident time", F_BREACH_AT, 0 },
	{ "dato og tidspunkt for underretning", F_DISCOVERED_AT, 0 },
	{ "dato og tidspunkt for opdagelse", F_DISCOVERED_AT, 0 },
	{ "dato og tidspunkt for konstatering", F_DISCOVERED_AT, 0 },
	{ "tidspunkt for underretning", F_DISCOVERED_AT, 0 },
	{ "tidspunkt for opdagelse", F_DISCOVERED_AT, 0 },
	{ "tidspunkt for opdagelsen", F_DISCOVERED_AT, 0 },
	{ "tidspunkt for konstatering", F_DISCOVERED_AT, 0 },
	{ "hvornår blev bruddet opdaget", F_DISCOVERED_AT, 0 },
	{ "opdaget", F_DISCOVERED_AT, 0 },
	{ "opdaget den", F_DISCOVERED_AT, 0 },
	{ "konstateret", F_DISCOVERED_AT, 0 },
	{ "underrettet", F_DISCOVERED_AT, 0 },
	{ "discovered", F_DISCOVERED_AT, 0 },
	{ "detected", F_DISCOVERED_AT, 0 },
	{ "hvad skete der", F_DESCRIPTION, 0 },
	{ "hvad er der sket", F_DESCRIPTION, 0 },
	{ "hvad er sket", F_DESCRIPTION, 0 },
	{ "hvad der skete", F_DESCRIPTION, 0 },
	{ "beskrivelse", F_DESCRIPTION, 0 },
	{ "beskrivelse af bruddet", F_DESCRIPTION, 0 },
	{ "beskrivelse af hændelsen", F_DESCRIPTION, 0 },
	{ "hændelsesforløb", F_DESCRIPTION, 0 },
	{ "hændelse", F_DESCRIPTION, 0 },
	{ "what happened", F_DESCRIPTION, 0 },
	{ "description", F_DESCRIPTION, 0 },
	{ "årsag", F_CAUSE, 0 },
	{ "årsagen", F_CAUSE, 0 },
	{ "årsag til bruddet", F_CAUSE, 0 },
	{ "cause", F_CAUSE, 0 },
	{ "root cause", F_CAUSE, 0 },
	{ "personoplysninger", F_DATA, 0 },
	{ "typer af personoplysninger", F_DATA, 0 },
	{ "type af personoplysninger", F_DATA, 0 },
	{ "berørte personoplysninger", F_DATA, 0 },
	{ "kategorier af personoplysninger", F_DATA, 0 },
	{ "oplysningstyper", F_DATA, 0 },
	{ "datatyper", F_DATA, 0 },
	{ "data", F_DATA, 0 },
	{ "personal data", F_DATA, 0 },
	{ "data categories", F_DATA, 0 },
	{ "antal berørte", F_COUNT, 0 },
	{ "antal berørte personer", F_COUNT, 0 },
	{ "antal berørte borgere", F_COUNT, 0 },
	{ "antal registrerede", F_COUNT, 0 },
	{ "antal personer", F_COUNT, 0 },
	{ "antal borgere", F_COUNT, 0 },
	{ "berørte personer", F_COUNT, 0 },
	{ "antal", F_COUNT, 0 },
	{ "number affected", F_COUNT, 0 },
	{ "affected individuals", F_COUNT, 0 },
	{ "konsekvenser", F_CONSEQUENCES, 0 },
	{ "konsekvens", F_CONSEQUENCES, 0 },
	{ "konsekvenserne", F_CONSEQUENCES, 0 },
	{ "mulige konsekvenser", F_CONSEQUENCES, 0 },
	{ "konsekvenser for de registrerede", F_CONSEQUENCES, 0 },
	{ "consequences", F_CONSEQUENCES, 0 },
	{ "impact", F_CONSEQUENCES, 0 },
	{ "foranstaltninger", F_MEASURES, 0 },
	{ "afhjælpende foranstaltninger", F_MEASURES, 0 },
	{ "afhjælpende og forebyggende foranstaltninger", F_MEASURES, 0 },
	{ "forebyggende foranstaltninger", F_MEASURES, 0 },
	{ "trufne foranstaltninger", F_MEASURES, 0 },
	{ "tiltag", F_MEASURES, 0 },
	{ "handlinger", F_MEASURES, 0 },
	{ "measures", F_MEASURES, 0 },
	{ "actions taken", F_MEASURES, 0 },
	{ "mitigation", F_MEASURES, 0 },
	{ "anmeldt til datatilsynet", F_AUTHORITY, 0 },
	{ "anmeldelse til datatilsynet", F_AUTHORITY, 0 },
	{ "anmeldt til dt", F_AUTHORITY, 0 },
	{ "datatilsynet", F_AUTHORITY, 0 },
	{ "datatilsynet orienteret", F_AUTHORITY, 0 },
	{ "datatilsynet underrettet", F_AUTHORITY, 0 },
	{ "anmeldt", F_AUTHORITY, 0 },
	{ "reported to authority", F_AUTHORITY, 0 },
	{ "alvorlighed", F_SEVERITY, 0 },
	{ "alvorlighedsgrad", F_SEVERITY, 0 },
	{ "risiko", F_SEVERITY, 0 },
	{ "risikovurdering", F_SEVERITY, 0 },
	{ "risikoniveau", F_SEVERITY, 0 },
	{ "severity", F_SEVERITY, 0 },
	{ "priority", F_SEVERITY, 0 },
	{ "prioritet", F_SEVERITY, 0 },
	{ "berørte kommuner", F_MUNICIPALITIES, 0 },
	{ "berørt kommune", F_MUNICIPALITIES, 0 },
	{ "kommuner", F_MUNICIPALITIES, 0 },
	{ "affected municipalities", F_MUNICIPALITIES, 0 },
	{ NULL, 0, 0 },
};

/* Types of personal data. Checked longest first; an entry with value 0
 * consumes its words without adding a category ("e-mailadresse" must not
 * read as "adresse"). */
const struct lex_entry lex_categories[] = {
	{ "navne- og adressebeskyttelse", CAT_PROTECTED_ADDRESS, 0 },
	{ "navne og adressebeskyttelse", CAT_PROTECTED_ADDRESS, 0 },
	{ "adressebeskyttelse", CAT_PROTECTED_ADDRESS, 1 },
	{ "adressebeskyttede", CAT_PROTECTED_ADDRESS, 1 },
	{ "navnebeskyttelse", CAT_PROTECTED_ADDRESS, 1 },
	{ "beskyttet adresse", CAT_PROTECTED_ADDRESS, 1 },
	{ "beskyttede adresse", CAT_PROTECTED_ADDRESS, 1 },
	{ "hemmelig adresse", CAT_PROTECTED_ADDRESS, 1 },
	{ "skjult adresse", CAT_PROTECTED_ADDRESS, 1 },
	{ "protected address", CAT_PROTECTED_ADDRESS, 1 },
	{ "e-mailadresse", CAT_CONTACT, 1 },
	{ "e-mail-adresse", CAT_CONTACT, 1 },
	{ "mailadresse", CAT_CONTACT, 1 },
	{ "emailadresse", CAT_CONTACT, 1 },
	{ "e-mails", CAT_CONTACT, 0 },
	{ "e-mail", 0, 0 },
	{ "email", 0, 0 },
	{ "mail", 0, 0 },
	{ "telefonnummer", CAT_CONTACT, 1 },
	{ "telefonnumre", CAT_CONTACT, 1 },
	{ "telefonnr", CAT_CONTACT, 1 },
	{ "tlf.nr", CAT_CONTACT, 1 },
	{ "tlf-nr", CAT_CONTACT, 1 },
	{ "mobilnummer", CAT_CONTACT, 1 },
	{ "mobilnumre", CAT_CONTACT, 1 },
	{ "kontaktoplysning", CAT_CONTACT, 1 },
	{ "phone number", CAT_CONTACT, 1 },
	{ "ip-adresse", 0, 1 },
	{ "cpr", CAT_CPR, 1 },
	{ "personnummer", CAT_CPR, 1 },
	{ "personnumre", CAT_CPR, 1 },
	{ "cpr-nr", CAT_CPR, 1 },
	{ "personal identification number", CAT_CPR, 0 },
	{ "adresse", CAT_ADDRESS, 1 },
	{ "bopæl", CAT_ADDRESS, 1 },
	{ "address", CAT_ADDRESS, 1 },
	{ "navngiv", 0, 1 },
	{ "navn", CAT_NAME, 1 },
	{ "navne", CAT_NAME, 1 },
	{ "fulde navn", CAT_NAME, 0 },
	{ "name", CAT_NAME, 0 },
	{ "names", CAT_NAME, 0 },
	{ "helbred", CAT_HEALTH, 1 },
	{ "sundhedsoplysning", CAT_HEALTH, 1 },
	{ "sundhedsdata", CAT_HEALTH, 1 },
	{ "diagnose", CAT_HEALTH, 1 },
	{ "sygdom", CAT_HEALTH, 1 },
	{ "sygemelding", CAT_HEALTH, 1 },
	{ "sygefravær", CAT_HEALTH, 1 },
	{ "sygdomsforløb", CAT_HEALTH, 1 },
	{ "medicin", CAT_HEALTH, 1 },
	{ "handicap", CAT_HEALTH, 1 },
	{ "psykisk", CAT_HEALTH, 1 },
	{ "psykiatri", CAT_HEALTH, 1 },
	{ "journaloplysning", CAT_HEALTH, 1 },
	{ "patient", CAT_HEALTH, 1 },
	{ "graviditet", CAT_HEALTH, 1 },
	{ "misbrug af alkohol", CAT_HEALTH, 0 },
	{ "stofmisbrug", CAT_HEALTH, 1 },
	{ "alkoholmisbrug", CAT_HEALTH, 1 },
	{ "health", CAT_HEALTH, 1 },
	{ "straf", CAT_CRIMINAL, 1 },
	{ "dom for", CAT_CRIMINAL, 0 },
	{ "dømt", CAT_CRIMINAL, 1 },
	{ "domfæld", CAT_CRIMINAL, 1 },
	{ "kriminal", CAT_CRIMINAL, 1 },
	{ "lovovertrædelse", CAT_CRIMINAL, 1 },
	{ "børneattest", 0, 1 },
	{ "criminal", CAT_CRIMINAL, 1 },
	{ "fagforening", CAT_UNION, 1 },
	{ "fagligt medlemskab", CAT_UNION, 0 },
	{ "a-kasse", CAT_UNION, 1 },
	{ "trade union", CAT_UNION, 1 },
	{ "økonomi", CAT_FINANCIAL, 1 },
	{ "indkomst", CAT_FINANCIAL, 1 },
	{ "indtægt", CAT_FINANCIAL, 1 },
	{ "løn", CAT_FINANCIAL, 0 },
	{ "lønoplysning", CAT_FINANCIAL, 1 },
	{ "gæld", CAT_FINANCIAL, 1 },
	{ "kontonummer", CAT_FINANCIAL, 1 },
	{ "kontonumre", CAT_FINANCIAL, 1 },
	{ "bankoplysning", CAT_FINANCIAL, 1 },
	{ "kortnummer", CAT_FINANCIAL, 1 },
	{ "betalingskort", CAT_FINANCIAL, 1 },
	{ "formue", CAT_FINANCIAL, 1 },
	{ "skatteoplysning", CAT_FINANCIAL, 1 },
	{ "boligstøtte", CAT_FINANCIAL, 1 },
	{ "kontanthjælp", CAT_FINANCIAL, 1 },
	{ "enkeltydelse", CAT_FINANCIAL, 1 },
	{ "ydelse", CAT_FINANCIAL, 1 },
	{ "pension", CAT_FINANCIAL, 1 },
	{ "financial", CAT_FINANCIAL, 1 },
	{ "sociale forhold", CAT_OTHER, 0 },
	{ "sociale oplysninger", CAT_OTHER, 0 },
	{ "familieforhold", CAT_OTHER, 1 },
	{ "race", CAT_OTHER, 0 },
	{ "etnisk", CAT_OTHER, 1 },
	{ "religi", CAT_OTHER, 1 },
	{ "politisk", CAT_OTHER, 1 },
	{ "seksuel", CAT_OTHER, 1 },
	{ "biometri", CAT_OTHER, 1 },
	{ "genetisk", CAT_OTHER, 1 },
	{ "børnesag", CAT_OTHER, 1 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_severity_levels[] = {
	{ "lav", SEV_LOW, 0 }, { "lavt", SEV_LOW, 0 }, { "lave", SEV_LOW, 0 },
	{ "low", SEV_LOW, 0 }, { "minimal", SEV_LOW, 0 }, { "ringe", SEV_LOW, 0 },
	{ "middel", SEV_MEDIUM, 0 }, { "mellem", SEV_MEDIUM, 0 },
	{ "moderat", SEV_MEDIUM, 0 }, { "medium", SEV_MEDIUM, 0 },
	{ "moderate", SEV_MEDIUM, 0 }, { "mellemhøj", SEV_MEDIUM, 0 },
	{ "høj", SEV_HIGH, 0 }, { "højt", SEV_HIGH, 0 }, { "høje", SEV_HIGH, 0 },
	{ "high", SEV_HIGH, 0 }, { "kritisk", SEV_HIGH, 0 },
	{ "critical", SEV_HIGH, 0 }, { "alvorlig", SEV_HIGH, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_severity_keys[] = {
	{ "alvorlighed", 0, 1 }, { "risiko", 0, 1 }, { "severity", 0, 0 },
	{ "risk", 0, 0 }, { "kritikalitet", 0, 0 }, { "prioritet", 0, 0 },
	{ "priority", 0, 0 },
	{ NULL, 0, 0 },
};

/* Words that make a message a breach report; report at a score of 2. */
const struct lex_entry lex_report_words[] = {
	{ "sikkerhedsbrud", 2, 1 }, { "persondatabrud", 2, 1 },
	{ "databrud", 2, 1 }, { "brud", 2, 0 }, { "bruddet", 2, 0 },
	{ "brud på persondatasikkerheden", 2, 0 },
	{ "brud på datasikkerheden", 2, 0 }, { "datalæk", 2, 1 },
	{ "sikkerhedshændelse", 2, 1 }, { "it-sikkerhedshændelse", 2, 1 },
	{ "security incident", 2, 0 }, { "data breach", 2, 0 },
	{ "breach", 2, 0 }, { "hændelse", 1, 1 }, { "incident", 1, 0 },
	{ "fejlsendt", 2, 1 }, { "forkert modtager", 2, 0 },
	{ "uvedkommende", 1, 0 }, { "lækket", 2, 0 }, { "læk", 1, 0 },
	{ "stjålet", 1, 0 }, { "tyveri", 1, 0 }, { "bortkommet", 1, 0 },
	{ "mistet", 1, 0 }, { "hacket", 2, 0 }, { "phishing", 1, 0 },
	{ "kompromitteret", 2, 0 }, { "uautoriseret", 1, 0 },
	{ "eksponeret", 1, 0 }, { "offentligt tilgængelig", 1, 0 },
	{ "personoplysninger", 1, 0 }, { "persondata", 1, 0 },
	{ "andre borgeres", 1, 0 }, { "en anden borgers", 1, 0 },
	{ "ved en fejl", 1, 0 }, { "delt", 1, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_auto_subjects[] = {
	{ "autosvar", 0, 1 }, { "automatisk svar", 0, 0 },
	{ "automatiseret svar", 0, 0 }, { "fraværende", 0, 0 },
	{ "fravær", 0, 0 }, { "ikke på kontoret", 0, 0 },
	{ "out of office", 0, 0 }, { "out of the office", 0, 0 },
	{ "automatic reply", 0, 0 }, { "auto-reply", 0, 0 },
	{ "autoreply", 0, 0 }, { "auto reply", 0, 0 },
	{ "auto response", 0, 0 }, { "autoresponse", 0, 0 },
	{ "abwesenheitsnotiz", 0, 0 }, { "automatische antwort", 0, 0 },
	{ "ferie", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_bounce_subjects[] = {
	{ "undelivered mail", 0, 0 }, { "undeliverable", 0, 0 },
	{ "delivery status notification (failure)", 0, 0 },
	{ "delivery status notification", 0, 0 },
	{ "mail delivery failed", 0, 0 }, { "delivery failure", 0, 0 },
	{ "returned mail", 0, 0 }, { "failure notice", 0, 0 },
	{ "kunne ikke leveres", 0, 0 }, { "ikke leveret", 0, 0 },
	{ "uanbringelig", 0, 0 }, { "levering mislykkedes", 0, 0 },
	{ "kan ikke leveres", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_other_subjects[] = {
	{ "invitation", 0, 0 }, { "mødeindkaldelse", 0, 0 },
	{ "accepteret", 0, 0 }, { "accepted", 0, 0 }, { "afvist", 0, 0 },
	{ "declined", 0, 0 }, { "foreløbig", 0, 0 }, { "tentative", 0, 0 },
	{ "nyhedsbrev", 0, 1 }, { "newsletter", 0, 0 }, { "aflyst", 0, 0 },
	{ "canceled", 0, 0 }, { "cancelled", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_reply_prefixes[] = {
	{ "re", 1, 0 }, { "sv", 1, 0 }, { "aw", 1, 0 }, { "antw", 1, 0 },
	{ "vs", 2, 0 }, { "fw", 2, 0 }, { "fwd", 2, 0 }, { "wg", 2, 0 },
	{ "tr", 2, 0 },
	{ NULL, 0, 0 },
};

/* Time cues: the verb nearest a time says what the time is. */
const struct lex_entry lex_discovery_cues[] = {
	{ "opdag", 0, 1 }, { "konstater", 0, 1 }, { "fik besked", 0, 0 },
	{ "besked", 0, 0 }, { "henvendelse", 0, 0 }, { "sendt os", 0, 0 },
	{ "skrev til os", 0, 0 }, { "gjorde opmærksom", 0, 0 },
	{ "fået besked", 0, 0 }, { "fik en henvendelse", 0, 0 },
	{ "fået en henvendelse", 0, 0 }, { "fik henvendelse", 0, 0 },
	{ "modtog en henvendelse", 0, 0 }, { "modtaget en henvendelse", 0, 0 },
	{ "henvendte sig", 0, 0 }, { "henvendelse fra", 0, 0 },
	{ "fik at vide", 0, 0 }, { "fik kendskab", 0, 0 },
	{ "fik oplyst", 0, 0 }, { "opmærksom", 0, 1 },

	{ "blev kontaktet", 0, 0 },
	{ "kontaktede os", 0, 0 }, { "ringede", 0, 0 }, { "underrettet", 0, 0 },
	{ "underretning", 0, 0 }, { "bemærkede", 0, 0 }, { "fandt", 0, 0 },
	{ "fundet", 0, 0 }, { "anmeldte", 0, 0 }, { "meldt", 0, 0 },
	{ "discovered", 0, 0 }, { "detected", 0, 0 }, { "identified", 0, 0 },
	{ "noticed", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_breach_cues[] = {
	{ "skete", 0, 0 }, { "opstod", 0, 0 }, { "sket", 0, 0 },
	{ "fandt sted", 0, 0 },
	{ "blev sendt", 0, 0 }, { "sendt", 0, 0 }, { "sendte", 0, 0 },
	{ "delte", 0, 0 }, { "delt", 0, 0 }, { "lagt", 0, 0 }, { "lagde", 0, 0 },
	{ "kopieret", 0, 0 }, { "kopierede", 0, 0 }, { "stjålet", 0, 0 },
	{ "vist", 0, 0 }, { "viste", 0, 0 }, { "aktivt", 0, 0 },
	{ "aktiv", 0, 0 }, { "siden", 0, 0 }, { "sat i drift", 0, 0 },
	{ "eksporter", 0, 1 }, { "lækket", 0, 0 }, { "tilgået", 0, 0 },
	{ "tilgik", 0, 0 }, { "startede", 0, 0 }, { "begyndte", 0, 0 },
	{ "slået til", 0, 0 }, { "hacket", 0, 0 }, { "mistet", 0, 0 },
	{ "mistede", 0, 0 }, { "glemt", 0, 0 }, { "glemte", 0, 0 },
	{ "udleveret", 0, 0 }, { "offentliggjort", 0, 0 }, { "uploadet", 0, 0 },
	{ "uploadede", 0, 0 }, { "linkede", 0, 0 }, { "fejlsendt", 0, 0 },
	{ "åbnede", 0, 0 }, { "åbnet", 0, 0 }, { "kunne se", 0, 0 },
	{ "fejlen", 0, 0 }, { "bruddet", 0, 0 }, { "hændelsen", 0, 0 },
	{ "occurred", 0, 0 }, { "happened", 0, 0 }, { "sent", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_action_cues[] = {
	{ "fjernet", 0, 0 }, { "fjernede", 0, 0 }, { "lukket", 0, 0 },
	{ "lukkede", 0, 0 }, { "slettet", 0, 0 }, { "slettede", 0, 0 },
	{ "slået fra", 0, 0 }, { "rettet", 0, 0 }, { "spærret", 0, 0 },
	{ "anmeldt", 0, 0 }, { "frataget", 0, 0 }, { "genskabt", 0, 0 },
	{ "stoppet", 0, 0 }, { "deaktiveret", 0, 0 }, { "skiftet", 0, 0 },
	{ "kontaktet", 0, 0 }, { "orienteret", 0, 0 }, { "senest", 0, 0 },
	{ "sender", 0, 0 }, { "sendes", 0, 0 }, { "afventer", 0, 0 },
	{ "vil", 0, 0 }, { "lukning", 0, 0 }, { "inddæmmet", 0, 0 },
	{ "politianmeldt", 0, 0 }, { "blokeret", 0, 0 }, { "nulstillet", 0, 0 },
	{ "removed", 0, 0 }, { "closed", 0, 0 }, { "deleted", 0, 0 },
	{ NULL, 0, 0 },
};

/* Who can be "affected": nouns that follow the number. */
const struct lex_entry lex_person_nouns[] = {
	{ "borger", 0, 1 }, { "personer", 0, 0 }, { "person", 0, 0 },
	{ "registrerede", 0, 0 }, { "berørte", 0, 0 }, { "familier", 0, 0 },
	{ "børn", 0, 0 }, { "elever", 0, 0 }, { "patienter", 0, 0 },
	{ "klienter", 0, 0 }, { "ansøgere", 0, 0 }, { "individer", 0, 0 },
	{ "mennesker", 0, 0 }, { "brugere", 0, 0 }, { "kunder", 0, 0 },
	{ "borgere", 0, 0 }, { "citizens", 0, 0 }, { "individuals", 0, 0 },
	{ "persons", 0, 0 }, { "people", 0, 0 }, { "data subjects", 0, 0 },
	{ "cpr-numre", 0, 0 }, { "husstande", 0, 0 }, { "sager", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_unknown_words[] = {
	{ "ukendt", 0, 0 }, { "uvist", 0, 0 }, { "ikke kendt", 0, 0 },
	{ "uafklaret", 0, 0 }, { "ikke opgjort", 0, 0 },
	{ "vides ikke", 0, 0 }, { "ved vi ikke", 0, 0 },
	{ "kan ikke opgøres", 0, 0 }, { "under afklaring", 0, 0 },
	{ "under undersøgelse", 0, 0 }, { "unknown", 0, 0 }, { "tbd", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_negations[] = {
	{ "ikke", 0, 0 }, { "ingen", 0, 0 }, { "intet", 0, 0 },
	{ "uden", 0, 0 }, { "hverken", 0, 0 }, { "not", 0, 0 }, { "no", 0, 0 },
	{ "nej", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_all_munis[] = {
	{ "alle kommuner", 0, 0 }, { "alle kommunerne", 0, 0 },
	{ "samtlige kommuner", 0, 0 }, { "alle muni-kommuner", 0, 0 },
	{ "alle tilsluttede kommuner", 0, 0 }, { "alle de tilsluttede kommuner", 0, 0 },
	{ "alle kunder", 0, 0 }, { "alle kommuner på muni", 0, 0 },
	{ "all municipalities", 0, 0 }, { "alle 40 kommuner", 0, 0 },
	{ "alle de 40 kommuner", 0, 0 }, { "alle deltagende kommuner", 0, 0 },
	{ "hele muni", 0, 0 }, { "alle muni-kunder", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_affected_cues[] = {
	{ "berør", 0, 1 }, { "ramt", 0, 1 }, { "omfatte", 0, 1 },
	{ "affected", 0, 0 }, { "i alt", 0, 0 }, { "involveret", 0, 0 },
	{ "kan være", 0, 0 }, { "drejer sig om", 0, 0 }, { "tale om", 0, 0 },
	{ NULL, 0, 0 },
};

/* Words that say Datatilsynet was told: 1 = done (a report states it),
 * 2 = decided (a municipality's reply: "vi anmelder"). */
const struct lex_entry lex_authority_yes[] = {
	{ "anmeldt", 1, 0 }, { "anmeldte", 1, 0 }, { "har anmeldt", 1, 0 },
	{ "orienteret", 1, 0 }, { "underrettet", 1, 0 }, { "indberettet", 1, 0 },
	{ "meldt", 1, 0 }, { "notified", 1, 0 }, { "reported", 1, 0 },
	{ "orienterede", 1, 0 }, { "underrettede", 1, 0 },
	{ "anmelder", 2, 0 }, { "anmeldes", 2, 0 }, { "anmelde", 2, 0 },
	{ "ja", 1, 0 }, { "yes", 1, 0 },
	{ NULL, 0, 0 },
};

/* An assessment still to be made: says neither yes nor no. */
const struct lex_entry lex_authority_pending[] = {
	{ "vurder", 0, 1 }, { "om bruddet skal", 0, 0 }, { "skal anmeldes", 0, 0 },
	{ "overvej", 0, 1 }, { "tager stilling", 0, 0 }, { "tage stilling", 0, 0 },
	{ "om der skal", 0, 0 }, { "hver især", 0, 0 }, { "vil anmelde", 0, 0 },
	{ "forventer", 0, 0 }, { "påtænker", 0, 0 }, { "afklar", 0, 1 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_signoffs[] = {
	{ "med venlig hilsen", 0, 0 }, { "venlig hilsen", 0, 0 },
	{ "venlige hilsner", 0, 0 }, { "de bedste hilsner", 0, 0 },
	{ "bedste hilsner", 0, 0 }, { "mange hilsner", 0, 0 },
	{ "hilsen", 0, 0 }, { "mvh", 0, 0 }, { "vh", 0, 0 },
	{ "kind regards", 0, 0 }, { "best regards", 0, 0 },
	{ "regards", 0, 0 }, { "sendt fra min", 1, 0 }, { "sent from my", 1, 0 },
	{ "hentet fra", 1, 0 }, { "-- ", 0, 0 },
	{ "--", 0, 0 },
	{ NULL, 0, 0 },
};

/* (value 1: the rest of the line may hold anything, "Sendt fra min iPhone") */

/* Lines that start the quoted original in a reply. */
const struct lex_entry lex_quote_markers[] = {
	{ "-----oprindelig meddelelse-----", 0, 0 },
	{ "-----original message-----", 0, 0 },
	{ "----- oprindelig meddelelse -----", 0, 0 },
	{ "-------- original message --------", 0, 0 },
	{ "________________________________", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_alias lex_muni_aliases[] = {
	{ "århus", "Aarhus" },
	{ "aarhus", "Aarhus" },
	{ "arhus", "Aarhus" },
	{ "vesthimmerland", "Vesthimmerlands" },
	{ "rksk", "Ringkøbing-Skjern" },
	{ "ringkøbing skjern", "Ringkøbing-Skjern" },
	{ "ringkobing skjern", "Ringkøbing-Skjern" },
	{ "ringkoebing skjern", "Ringkøbing-Skjern" },
	{ "holbæk", "Holbæk" },
	{ "bronderslev", "Brønderslev" },
	{ "hjorring", "Hjørring" },
	{ NULL, NULL },
};

/* Names of the system owner that do not name Aarhus as affected. */
const struct lex_entry lex_owner_phrases[] = {
	{ "borgerservice, aarhus kommune", 0, 0 },
	{ "borgerservice i aarhus kommune", 0, 0 },
	{ "borgerservice aarhus kommune", 0, 0 },
	{ "borgerservice, aarhus", 0, 0 },
	{ "borgerservice aarhus", 0, 0 },
	{ "aarhus kommune, borgerservice", 0, 0 },
	{ "aarhus kommunes borgerservice", 0, 0 },
	{ "systemejer, aarhus kommune", 0, 0 },
	{ "systemejeren i aarhus kommune", 0, 0 },
	{ "systemejer i aarhus kommune", 0, 0 },
	{ "databeskyttelse, aarhus kommune", 0, 0 },
	{ "(dk - aarhus)", 0, 0 },
	{ NULL, 0, 0 },
};

const struct lex_entry lex_return_cues[] = {
	{ "tilbage", 0, 0 }, { "retur", 0, 0 }, { "back", 0, 0 },
	{ "igen fra", 0, 0 }, { "på kontoret igen", 0, 0 },
	{ NULL, 0, 0 },
};

/* Municipality names that are also ordinary words: count only when
 * written with a capital letter and not first in a sentence, or followed
 * by "Kommune". */
const struct lex_entry lex_ambiguous_munis[] = {
	{ "vejen", 0, 0 }, { "odder", 0, 0 }, { "skive", 0, 0 },
	{ "varde", 0, 0 },
	{ NULL, 0, 0 },
};
