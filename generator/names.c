/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/names.h"
#include "jobsd/strv.h"

#define LABEL_MSG "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " \
        "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " \
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUBDOMAIN_MSG "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " \
        "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " \
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define QNAME_CHARS "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " \
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " \
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " \
        "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " \
        "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define ENV_MSG "a valid environment variable name must consist only of printable ASCII characters other than '='"

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool label_shape(const char *s, size_t n) {
        if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_lower_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

static bool subdomain_shape(const char *s) {
        for (const char *p = s;;) {
                size_t n = strcspn(p, ".");
                if (!label_shape(p, n))
                        return false;
                if (!p[n])
                        return true;
                p += n + 1;
        }
}

/* Collects messages; returns -EINVAL if any. */
static int finish(char **msgs, char **reterr_message) {
        if (!msgs)
                return 0;
        if (reterr_message) {
                *reterr_message = strv_join(msgs, "; ");
                if (!*reterr_message) {
                        strv_free(msgs);
                        return -ENOMEM;
                }
        }
        strv_free(msgs);
        return -EINVAL;
}

static int add(char ***msgs, const char *m) {
        return strv_extend(msgs, m);
}

int dns1123_label_check(const char *s, char **reterr_message) {
        char **m = NULL;

        if (strlen(s) > 63 && add(&m, "must be no more than 63 characters") < 0)
                return -ENOMEM;
        if (!label_shape(s, strlen(s)) && add(&m, LABEL_MSG) < 0)
                return -ENOMEM;
        return finish(m, reterr_message);
}

int dns1123_subdomain_check(const char *s, char **reterr_message) {
        char **m = NULL;

        if (strlen(s) > 253 && add(&m, "must be no more than 253 characters") < 0)
                return -ENOMEM;
        if (!subdomain_shape(s) && add(&m, SUBDOMAIN_MSG) < 0)
                return -ENOMEM;
        return finish(m, reterr_message);
}

static bool qname_shape(const char *s, size_t n) {
        if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
                        return false;
        return true;
}

int qualified_name_check(const char *s, char **reterr_message) {
        const char *slash = strchr(s, '/'), *name = s;
        char **m = NULL;

        if (slash && strchr(slash + 1, '/')) {
                if (add(&m, "a qualified name " QNAME_CHARS " with an optional DNS subdomain prefix and '/' "
                        "(e.g. 'example.com/MyName')") < 0)
                        return -ENOMEM;
                return finish(m, reterr_message);
        }
        if (slash) {
                _cleanup_(freep) char *prefix = strndup(s, slash - s), *why = NULL;
                if (!prefix)
                        return -ENOMEM;
                if (!*prefix) {
                        if (add(&m, "prefix part must be non-empty") < 0)
                                return -ENOMEM;
                } else if (dns1123_subdomain_check(prefix, &why) < 0) {
                        _cleanup_(freep) char *p = strprintf("prefix part %s", why ?: "is invalid");
                        if (!p || add(&m, p) < 0)
                                return -ENOMEM;
                }
                name = slash + 1;
        }
        if (!*name) {
                if (add(&m, "name part must be non-empty") < 0)
                        return -ENOMEM;
        } else {
                if (strlen(name) > 63 && add(&m, "name part must be no more than 63 characters") < 0)
                        return -ENOMEM;
                if (!qname_shape(name, strlen(name)) && add(&m, "name part " QNAME_CHARS) < 0)
                        return -ENOMEM;
        }
        return finish(m, reterr_message);
}

int label_key_check(const char *s, char **reterr_message) {
        return qualified_name_check(s, reterr_message);
}

int label_value_check(const char *s, char **reterr_message) {
        char **m = NULL;
        size_t n = strlen(s);

        if (n > 63 && add(&m, "must be no more than 63 characters") < 0)
                return -ENOMEM;
        if (n > 0 && !qname_shape(s, n) && add(&m, LABEL_VALUE_MSG) < 0)
                return -ENOMEM;
        return finish(m, reterr_message);
}

int env_var_name_check(const char *s, char **reterr_message) {
        bool ok = *s != 0;

        for (const char *p = s; *p && ok; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e || *p == '=')
                        ok = false;
        if (ok)
                return 0;
        if (reterr_message) {
                *reterr_message = strdup(ENV_MSG);
                if (!*reterr_message)
                        return -ENOMEM;
        }
        return -EINVAL;
}
