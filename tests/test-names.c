/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/names.h"
#include "tap.h"

static void check(int (*f)(const char *, char **), const char *s, const char *expect, int line) {
        char *err = NULL;
        int r = f(s, &err);

        if (!expect && r != 0)
                tap_fail(__FILE__, line, "'%s': expected valid, got '%s'", s, err);
        else if (expect && (r != -EINVAL || !err || strcmp(err, expect) != 0))
                tap_fail(__FILE__, line, "'%s': expected '%s', got %d '%s'", s, expect, r, err ?: "");
        free(err);
}

#define CHECK(f, s, e) check(f, s, e, __LINE__)
#define LABEL "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUB "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

TEST(dns1123_label) {
        char l63[64], l64[65];

        memset(l63, 'a', 63), l63[63] = 0;
        memset(l64, 'a', 64), l64[64] = 0;
        CHECK(dns1123_label_check, "a", NULL);
        CHECK(dns1123_label_check, "my-name", NULL);
        CHECK(dns1123_label_check, "123-abc", NULL);
        CHECK(dns1123_label_check, l63, NULL);
        CHECK(dns1123_label_check, l64, "must be no more than 63 characters");
        CHECK(dns1123_label_check, "", LABEL);
        CHECK(dns1123_label_check, "-a", LABEL);
        CHECK(dns1123_label_check, "a-", LABEL);
        CHECK(dns1123_label_check, "A", LABEL);
        CHECK(dns1123_label_check, "a.b", LABEL);
        CHECK(dns1123_label_check, "a_b", LABEL);
        CHECK(dns1123_label_check, "ä", LABEL);
}

TEST(dns1123_subdomain) {
        CHECK(dns1123_subdomain_check, "example.com", NULL);
        CHECK(dns1123_subdomain_check, "a.b-c.d", NULL);
        CHECK(dns1123_subdomain_check, "a..b", SUB);
        CHECK(dns1123_subdomain_check, ".a", SUB);
        CHECK(dns1123_subdomain_check, "Bad_Name", SUB);
        CHECK(dns1123_subdomain_check, "process-item-$ITEM", SUB);
}

TEST(qualified_names_and_label_values) {
        CHECK(qualified_name_check, "app", NULL);
        CHECK(qualified_name_check, "batch.kubernetes.io/job-name", NULL);
        CHECK(qualified_name_check, "My_Name.1", NULL);
        CHECK(qualified_name_check, "/a", "prefix part must be non-empty");
        CHECK(qualified_name_check, "a/", "name part must be non-empty");
        CHECK(qualified_name_check, "a/b/c", "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        CHECK(qualified_name_check, "-x", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        CHECK(label_value_check, "", NULL);
        CHECK(label_value_check, "MyValue", NULL);
        CHECK(label_value_check, "my_value", NULL);
        CHECK(label_value_check, "a b", "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

TEST(env_var_names_relaxed) {
        static const char *msg = "a valid environment variable name must consist only of printable ASCII characters other than '='";

        CHECK(env_var_name_check, "PATH", NULL);
        CHECK(env_var_name_check, "1abc", NULL);
        CHECK(env_var_name_check, "a.b-c d", NULL);
        CHECK(env_var_name_check, "", msg);
        CHECK(env_var_name_check, "A=B", msg);
        CHECK(env_var_name_check, "tab\there", msg);
        CHECK(env_var_name_check, "é", msg);
}

TAP_MAIN()
