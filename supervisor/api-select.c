/* SPDX-License-Identifier: Apache-2.0 */
/* Label and field selectors: kubectl's syntax, parsed and matched. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "jobsd/strv.h"
#include "api-json.h"
#include "api-select.h"

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

/* base64url without padding (Go's base64.RawURLEncoding, as Kubernetes' continue tokens). */
static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64_std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *api_base64_encode(const void *data, size_t n, bool url) {
        const unsigned char *s = data;
        const char *alphabet = url ? b64_alphabet : b64_std_alphabet;
        char *out = malloc(n / 3 * 4 + 5), *p = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) s[i] << 16;
                if (i + 1 < n)
                        v |= (uint32_t) s[i + 1] << 8;
                if (i + 2 < n)
                        v |= s[i + 2];
                *p++ = alphabet[(v >> 18) & 63];
                *p++ = alphabet[(v >> 12) & 63];
                if (i + 1 < n)
                        *p++ = alphabet[(v >> 6) & 63];
                else if (!url)
                        *p++ = '=';
                if (i + 2 < n)
                        *p++ = alphabet[v & 63];
                else if (!url)
                        *p++ = '=';
        }
        *p = 0;
        return out;
}

/* -EINVAL with the offset of the first bad character in *ret_bad. */
static int b64url_decode(const char *s, char **ret, size_t *ret_bad) {
        size_t n = strlen(s), k = 0;
        _cleanup_(freep) char *out = malloc(n / 4 * 3 + 4);
        uint32_t acc = 0;
        unsigned bits = 0;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *p = s[i] ? strchr(b64_alphabet, s[i]) : NULL;
                if (!p) {
                        *ret_bad = i;
                        return -EINVAL;
                }
                acc = (acc << 6) | (uint32_t) (p - b64_alphabet);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[k++] = (char) ((acc >> bits) & 0xff);
                }
        }
        if (n % 4 == 1) {
                *ret_bad = n - 1;
                return -EINVAL;
        }
        out[k] = 0;
        if (memchr(out, 0, k)) {
                *ret_bad = 0;
                return -EINVAL;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

char *api_continue_encode(uint64_t rv, uint64_t issued_sec, const char *start, uint64_t n_start) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        const char *text;

        if (!o || json_object_object_add(o, "v", json_object_new_string("meta.k8s.io/v1")) < 0 ||
            json_object_object_add(o, "rv", json_object_new_int64((int64_t) rv)) < 0 ||
            json_object_object_add(o, "start", json_object_new_string(start)) < 0 ||
            json_object_object_add(o, "t", json_object_new_int64((int64_t) issued_sec)) < 0)
                return NULL;
        if (n_start > 1 && json_object_object_add(o, "n", json_object_new_int64((int64_t) n_start)) < 0)
                return NULL;
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return text ? api_base64_encode(text, strlen(text), true) : NULL;
}

static int continue_error(char **reterr, const char *what, const char *arg) {
        char *m = NULL;

        /* "continue key is not valid: <what><arg>" */
        if (asprintf(&m, "continue key is not valid: %s%s", what, strempty(arg)) < 0)
                return -ENOMEM;
        *reterr = m;
        return -EINVAL;
}

int api_continue_decode(const char *token, uint64_t *ret_rv, uint64_t *ret_issued_sec, char **ret_start, uint64_t *ret_n_start,
                        char **reterr) {
        _cleanup_(freep) char *text = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *v, *rv, *start, *t, *n;
        struct json_tokener *tok;
        size_t bad = 0;
        char num[32];
        int r;

        *reterr = NULL;
        r = b64url_decode(token, &text, &bad);
        if (r == -EINVAL) {
                snprintf(num, sizeof(num), "%zu", bad);
                return continue_error(reterr, "illegal base64 data at input byte ", num);
        }
        if (r < 0)
                return r;
        tok = json_tokener_new_ex(8);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int) strlen(text));
        if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object)) {
                const char *desc = json_tokener_error_desc(json_tokener_get_error(tok));
                json_tokener_free(tok);
                return continue_error(reterr, o ? "not a JSON object" : desc, NULL);
        }
        json_tokener_free(tok);
        v = json_object_object_get(o, "v");
        if (!json_object_is_type(v, json_type_string) || !streq(json_object_get_string(v), "meta.k8s.io/v1")) {
                _cleanup_(freep) char *quoted = strprintf("\"%s\"", json_object_is_type(v, json_type_string) ?
                                                          json_object_get_string(v) : "");
                if (!quoted)
                        return -ENOMEM;
                return continue_error(reterr, "server does not recognize this encoded version ", quoted);
        }
        rv = json_object_object_get(o, "rv");
        if (!json_object_is_type(rv, json_type_int) || json_object_get_int64(rv) <= 0)
                return continue_error(reterr, "incorrect encoded start resourceVersion (version meta.k8s.io/v1)", NULL);
        start = json_object_object_get(o, "start");
        if (!json_object_is_type(start, json_type_string) || json_object_get_string_len(start) == 0)
                return continue_error(reterr, "encoded start key empty (version meta.k8s.io/v1)", NULL);
        t = json_object_object_get(o, "t");
        if (t && (!json_object_is_type(t, json_type_int) || json_object_get_int64(t) < 0))
                return continue_error(reterr, "incorrect encoded time", NULL);
        n = json_object_object_get(o, "n");
        if (n && (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 1))
                return continue_error(reterr, "incorrect encoded start count", NULL);
        *ret_start = strdup(json_object_get_string(start));
        if (!*ret_start)
                return -ENOMEM;
        *ret_rv = (uint64_t) json_object_get_int64(rv);
        *ret_issued_sec = t ? (uint64_t) json_object_get_int64(t) : 0;
        *ret_n_start = n ? (uint64_t) json_object_get_int64(n) : 1;
        return 0;
}
