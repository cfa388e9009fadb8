/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz corpus through the fuzz target in every build, as a TAP test: one line per file. The
 * arguments are files or directories. */
#include <dirent.h>
#include <sys/stat.h>

#include "jobsd/strv.h"
#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay(const void *data) {
        const char *path = data;
        FILE *f = fopen(path, "re");
        char *buf;
        size_t n;

        ASSERT_NOT_NULL(f);
        if (!f)
                return;
        buf = malloc(2 * 1024 * 1024);
        assert_se(buf);
        n = fread(buf, 1, 2 * 1024 * 1024, f);
        fclose(f);
        ASSERT_EQ(LLVMFuzzerTestOneInput((const uint8_t *) buf, n), 0);
        free(buf);
}

static void add_path(char ***files, const char *path) {
        struct stat st;
        DIR *d;

        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                assert_se(strv_extend(files, path) >= 0);
                return;
        }
        d = opendir(path);
        assert_se(d);
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_(freep) char *p = NULL;
                if (de->d_name[0] == '.')
                        continue;
                p = strprintf("%s/%s", path, de->d_name);
                assert_se(p);
                add_path(files, p);
        }
        closedir(d);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int main(int argc, char *argv[]) {
        static char **files = NULL;

        for (int i = 1; i < argc; i++)
                add_path(&files, argv[i]);
        if (files)
                qsort(files, strv_length(files), sizeof(char *), name_cmp);
        STRV_FOREACH(f, files)
                tap_register_data(*f, replay, *f);
        return tap_run();
}
