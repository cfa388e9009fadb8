/* SPDX-License-Identifier: Apache-2.0 */
/* JSON string escaping (generator/json.c). */
#include <stdlib.h>

#include "jobsd/json.h"
#include "jobsd/macro.h"
#include "tap.h"

static char *json(const char *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        json_write_string(f, s);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

TEST(plain) {
        _cleanup_(freep) char *a = json("pi"), *b = json(""), *c = json(NULL);

        ASSERT_STREQ(a, "\"pi\"");
        ASSERT_STREQ(b, "\"\"");
        ASSERT_STREQ(c, "\"\"");
}

TEST(escapes) {
        _cleanup_(freep) char *a = json("say \"hi\" \\ there"), *b = json("a\nb\tc\x01\x1f"), *c = json("\x7f");

        ASSERT_STREQ(a, "\"say \\\"hi\\\" \\\\ there\"");
        ASSERT_STREQ(b, "\"a\\u000ab\\u0009c\\u0001\\u001f\"");
        ASSERT_STREQ(c, "\"\x7f\"");
}

TEST(utf8_passes_through) {
        _cleanup_(freep) char *a = json("gr\xc3\xbc\xc3\x9f \xe2\x82\xac");

        ASSERT_STREQ(a, "\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac\"");
}

TAP_MAIN()
