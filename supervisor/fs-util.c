/* SPDX-License-Identifier: Apache-2.0 */
/* Directories: made with their parents, removed with their contents. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "jobsd/macro.h"
#include "jobsd/strv.h"

int rm_rf(const char *path) {
        assert(path);

        DIR *d = opendir(path);

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_(freep) char *c = NULL;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                c = strprintf("%s/%s", path, de->d_name);
                if (!c)
                        break;
                if (de->d_type == DT_DIR)
                        (void) rm_rf(c);
                else
                        (void) unlink(c);
        }
        closedir(d);
        return rmdir(path) < 0 ? -errno : 0;
}

int mkdir_p(const char *path, mode_t mode) {
        assert(path);

        _cleanup_(freep) char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}
