/* SPDX-License-Identifier: Apache-2.0 */
/* Label and field selectors: kubectl's syntax, parsed and matched. */
#include <ctype.h>
#include <strings.h>

#include "jobsd/strv.h"
#include "api-select.h"
#include <json-c/json.h>

void selector_done(Selector *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->terms[i].key);
                strv_free(s->terms[i].values);
        }
        free(s->terms);
        *s = (Selector) {};
}

static const char *skip_space(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

static bool key_char(char c) {
        return isalnum((unsigned char) c) || c == '-' || c == '_' || c == '.' || c == '/';
}

static bool value_char(char c) {
        return key_char(c) || c == ':' || c == '@' || c == '+';
}

/* One token of key or value characters at *p; NULL if there is none. */
static char *token(const char **p, bool value) {
        const char *s = *p, *e = s;

        while (*e && (value ? value_char(*e) : key_char(*e)))
                e++;
        *p = e;
        return strndup(s, e - s);
}

int selector_parse(const char *text, bool fields, Selector *ret, char **reterr_message) {
        _cleanup_(selector_done) Selector s = {};
        const char *p = text;

        *ret = (Selector) {};
        p = skip_space(p);
        if (!*p)
                return 0;
        for (;;) {
                SelectTerm t = { .op = SELECT_EXISTS };
                SelectTerm *n;
                bool negate = false;

                p = skip_space(p);
                if (!fields && *p == '!') {
                        negate = true;
                        p = skip_space(p + 1);
                }
                t.key = token(&p, false);
                if (!t.key)
                        return -ENOMEM;
                if (!*t.key) {
                        free(t.key);
                        *reterr_message = strprintf("unable to parse requirement: found '%.20s', expected: identifier", p);
                        return -EINVAL;
                }
                n = realloc(s.terms, sizeof(SelectTerm) * (s.n + 1));
                if (!n) {
                        free(t.key);
                        return -ENOMEM;
                }
                s.terms = n;
                s.terms[s.n++] = t;
                SelectTerm *cur = s.terms + s.n - 1;
                p = skip_space(p);
                if (negate) {
                        cur->op = SELECT_NOT_EXISTS;
                } else if (*p == '=' || *p == '!') {
                        if (*p == '!' && p[1] != '=') {
                                *reterr_message = strprintf("unable to parse requirement: expected '=' after '!'");
                                return -EINVAL;
                        }
                        cur->op = *p == '!' ? SELECT_NE : SELECT_EQ;
                        p += *p == '!' ? 2 : (p[1] == '=' ? 2 : 1);
                        p = skip_space(p);
                        char *v = token(&p, true);
                        if (!v || strv_push(&cur->values, v) < 0)
                                return -ENOMEM;
                } else if (!fields && (startswith(p, "in") || startswith(p, "notin")) &&
                           !key_char(p[startswith(p, "in") ? 2 : 5])) {
                        cur->op = startswith(p, "in") ? SELECT_IN : SELECT_NOT_IN;
                        p = skip_space(p + (cur->op == SELECT_IN ? 2 : 5));
                        if (*p != '(') {
                                *reterr_message = strprintf("unable to parse requirement: found '%.20s', expected: '('", p);
                                return -EINVAL;
                        }
                        p++;
                        for (;;) {
                                p = skip_space(p);
                                char *v = token(&p, true);
                                if (!v || strv_push(&cur->values, v) < 0)
                                        return -ENOMEM;
                                p = skip_space(p);
                                if (*p == ',') {
                                        p++;
                                        continue;
                                }
                                if (*p == ')') {
                                        p++;
                                        break;
                                }
                                *reterr_message = strprintf("unable to parse requirement: found '%.20s', expected: ',' or ')'", p);
                                return -EINVAL;
                        }
                } else if (fields) {
                        *reterr_message = strprintf("invalid selector: '%s'; can't understand '%s'", text, cur->key);
                        return -EINVAL;
                }
                p = skip_space(p);
                if (!*p)
                        break;
                if (*p != ',') {
                        *reterr_message = strprintf("unable to parse requirement: found '%.20s', expected: ','", p);
                        return -EINVAL;
                }
                p++;
        }
        *ret = s;
        s = (Selector) {};
        return 0;
}

static bool term_matches(const SelectTerm *t, const char *v) {
        switch (t->op) {
        case SELECT_EQ:
                return v && streq(v, t->values[0]);
        case SELECT_NE:
                return !v || !streq(v, t->values[0]);
        case SELECT_IN:
                return v && strv_contains(t->values, v);
        case SELECT_NOT_IN:
                return !v || !strv_contains(t->values, v);
        case SELECT_EXISTS:
                return v;
        case SELECT_NOT_EXISTS:
                return !v;
        }
        return false;
}

bool selector_matches_labels(const Selector *s, const StrMap *labels) {
        for (size_t i = 0; i < s->n; i++) {
                const char *v = NULL;
                for (size_t k = 0; labels && k < labels->n; k++)
                        if (streq(labels->items[k].key, s->terms[i].key)) {
                                v = strempty(labels->items[k].value);
                                break;
                        }
                if (!term_matches(s->terms + i, v))
                        return false;
        }
        return true;
}

int selector_matches_fields(const Selector *s, const void *object, SelectorFieldGetter get, const char **ret_unknown) {
        for (size_t i = 0; i < s->n; i++) {
                char buf[64];
                const char *v = get(object, s->terms[i].key, buf);
                if (!v) {
                        *ret_unknown = s->terms[i].key;
                        return -ENOENT;
                }
                if (!term_matches(s->terms + i, v))
                        return 0;
        }
        return 1;
}

bool selector_matches_json(const Selector *s, struct json_object *object) {
        json_object *labels = json_object_object_get(json_object_object_get(object, "metadata"), "labels");
        KeyValue kv[128];
        StrMap map = { .items = kv };

        if (labels && json_object_is_type(labels, json_type_object)) {
                json_object_object_foreach(labels, key, val) {
                        if (map.n >= ELEMENTSOF(kv))
                                break;
                        kv[map.n++] = (KeyValue) { .key = key, .value = (char *) json_object_get_string(val) };
                }
        }
        return selector_matches_labels(s, &map);
}

bool api_query_bool(const char *value) {
        return value && !streq(value, "0") && strcasecmp(value, "false") != 0;
}
