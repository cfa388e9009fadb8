/* SPDX-License-Identifier: Apache-2.0 */
/* A Job's record: its text format, saved and loaded. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "jobsd/hash.h"
#include "jobsd/strv.h"
#include "state-file.h"
#include "state-store.h"

#define STATE_VERSION 1

void job_record_done(JobRecord *r) {
        free(r->uid);
        free(r->manifest_hash);
        job_status_done(&r->status);
        free(r->manifest_copy);
        *r = (JobRecord) {};
}

void job_record_drop_copy(JobRecord *r) {
        r->manifest_copy = mfree(r->manifest_copy);
}

/* Strings in the record are written with %-escapes for space, newline, '%' and control characters, so
 * that each record is one line of space-separated words. */
static int escape(FILE *f, const char *s) {
        if (!s || !*s)
                return fputs("-", f) < 0 ? -EIO : 0;
        if (streq(s, "-"))
                return fputs("%2D", f) < 0 ? -EIO : 0;
        while (*s) {
                /* The plain run at once (a uid, a hash: the whole string), then one escape. */
                size_t n = 0;
                while (s[n] && (unsigned char) s[n] > ' ' && s[n] != '%' && s[n] != 0x7f)
                        n++;
                if (n > 0 && fwrite(s, 1, n, f) != n)
                        return -EIO;
                s += n;
                if (*s) {
                        fprintf(f, "%%%02X", (unsigned char) *s);
                        s++;
                }
        }
        return 0;
}

static char *unescape(const char *s) {
        char *r, *p;

        if (streq(s, "-"))
                return strdup("");
        r = p = malloc(strlen(s) + 1);
        if (!r)
                return NULL;
        for (; *s; s++) {
                if (*s == '%' && s[1] && s[2]) {
                        char hex[3] = { s[1], s[2], 0 }, *e;
                        unsigned long v = strtoul(hex, &e, 16);
                        if (*e || v == 0) {
                                free(r);
                                return NULL;
                        }
                        *p++ = (char) v;
                        s += 2;
                } else
                        *p++ = *s;
        }
        *p = 0;
        return r;
}

int job_record_format(const JobRecord *r, char **ret) {
        const JobStatus *s = &r->status;
        _cleanup_(freep) char *idx = NULL, *failed_idx = NULL;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        idx = job_status_completed_indexes(s);
        failed_idx = job_status_failed_indexes(s);
        if (!idx || !failed_idx)
                return -ENOMEM;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "jobsd-state %d\n", STATE_VERSION);
        fprintf(f, "uid ");
        escape(f, r->uid);
        fprintf(f, "\nmanifest-hash ");
        escape(f, r->manifest_hash);
        fprintf(f, "\ncreated %" PRIu64 "\n", r->created_usec);
        fprintf(f, "start %" PRIu64 "\ncompletion %" PRIu64 "\n", s->start_usec, s->completion_usec);
        fprintf(f, "succeeded %" PRIi32 "\nfailed %" PRIi32 "\n", s->succeeded, s->failed);
        fprintf(f, "completed-indexes %s\n", *idx ? idx : "-");
        /* Added after version 1 first shipped: a record without them has none. */
        if (*failed_idx)
                fprintf(f, "failed-indexes %s\n", failed_idx);
        for (size_t i = 0; i < s->n_indexes; i++) {
                const IndexFailures *x = s->index_failures + i;
                if (x->counted > 0 || x->ignored > 0 || x->last_usec > 0)
                        fprintf(f, "index-failures %zu %" PRIu32 " %" PRIu32 " %" PRIu64 "\n", i, x->counted, x->ignored,
                                x->last_usec);
        }
        fprintf(f, "next-attempt %" PRIu64 "\n", s->next_attempt);
        /* Added with the reservation: only while one is held (a NonIndexed Job that runs). */
        if (s->reserve_set)
                fprintf(f, "reserve %" PRIu64 "\n", s->reserve_attempt);
        fprintf(f, "backoff %" PRIu32 " %" PRIu64 "\n", s->failures_since_success, s->last_failure_usec);
        for (size_t i = 0; i < s->n_conditions; i++) {
                const JobCondition *c = s->conditions + i;
                fprintf(f, "condition %s %s %" PRIu64 " ", job_condition_type_to_string(c->type),
                        c->status ? "True" : "False", c->transition_usec);
                escape(f, c->reason);
                fputc(' ', f);
                escape(f, c->message);
                fputc('\n', f);
        }
        for (size_t i = 0; i < s->n_pods; i++) {
                const Pod *p = s->pods + i;
                fprintf(f, "pod %" PRIu64 " %" PRIi64 " %s %d %" PRIu64 " %d %" PRIu64 " %" PRIu64 " %" PRIu64 " ",
                        p->attempt, p->index, pod_phase_to_string(p->phase), (int) p->deletion, p->deletion_usec,
                        (int) p->counted, p->created_usec, p->started_usec, p->finished_usec);
                escape(f, p->reason);
                fputc('\n', f);
                if (p->reserved)
                        fprintf(f, "pod-reserved %" PRIu64 "\n", p->attempt);
                /* Added after version 1 first shipped: a pod without it has the defaults. */
                if (p->disruption || p->index_failure_count > 0 || p->index_ignored_failure_count > 0 ||
                    p->failure_rule != UNSET) {
                        fprintf(f, "pod-extra %" PRIu64 " %d ", p->attempt, (int) p->disruption);
                        escape(f, p->disruption_reason);
                        fprintf(f, " %" PRIu32 " %" PRIu32 " %" PRIi32 " %s\n", p->index_failure_count,
                                p->index_ignored_failure_count, p->failure_rule,
                                pod_failure_action_to_string(p->failure_action));
                }
                for (size_t j = 0; j < p->n_containers; j++) {
                        const ContainerStatus *c = p->containers + j;
                        fprintf(f, "container %" PRIu64 " ", p->attempt);
                        escape(f, c->name);
                        fprintf(f, " %d %s %d %" PRIu64 " %" PRIu64 " %u %" PRIu64 " ", (int) c->init,
                                container_state_to_string(c->state), c->exit_code, c->started_usec, c->finished_usec,
                                c->restarts, c->restart_at_usec);
                        escape(f, c->reason);
                        fputc('\n', f);
                        /* Only once a pull was looked at: older records have no such line. */
                        if (c->pull != IMAGE_PULL_NONE) {
                                fprintf(f, "container-pull %" PRIu64 " ", p->attempt);
                                escape(f, c->name);
                                fprintf(f, " %s %" PRIu32 " %" PRIu64 "\n", image_pull_to_string(c->pull),
                                        c->pull_failures, c->pull_failed_usec);
                        }
                }
        }
        fprintf(f, "end\n");
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *e;
        unsigned long long v;

        if (!s || !*s || *s == '-' || *s == '+')
                return -EBADMSG;
        errno = 0;
        v = strtoull(s, &e, 10);
        if (errno || *e)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_i64(const char *s, int64_t *ret) {
        char *e;
        long long v;

        if (!s || !*s)
                return -EBADMSG;
        errno = 0;
        v = strtoll(s, &e, 10);
        if (errno || *e)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_i32(const char *s, int32_t *ret) {
        int64_t v;

        if (parse_i64(s, &v) < 0 || v < INT32_MIN || v > INT32_MAX)
                return -EBADMSG;
        *ret = (int32_t) v;
        return 0;
}

static PodPhase pod_phase_from_string(const char *s) {
        for (PodPhase p = 0; p < _POD_PHASE_MAX; p++)
                if (streq(s, pod_phase_to_string(p)))
                        return p;
        return _POD_PHASE_INVALID;
}

static int pod_failure_action_from_string(const char *s) {
        for (PodFailurePolicyAction a = 0; a < _POD_FAILURE_ACTION_MAX; a++)
                if (streq(s, pod_failure_action_to_string(a)))
                        return a;
        return -EBADMSG;
}

static int container_state_from_string(const char *s) {
        for (ContainerState c = 0; c < _CONTAINER_STATE_MAX; c++)
                if (streq(s, container_state_to_string(c)))
                        return c;
        return -EBADMSG;
}

/* Splits a line into words at single spaces. */
static char **split(const char *line) {
        char **w = NULL;

        for (const char *p = line;;) {
                size_t n = strcspn(p, " ");
                if (strv_push(&w, strndup(p, n)) < 0)
                        return strv_free(w);
                if (!p[n])
                        break;
                p += n + 1;
        }
        return w;
}

#define FAIL(...)                                                       \
        do {                                                            \
                if (reterr_message)                                     \
                        *reterr_message = strprintf(__VA_ARGS__);       \
                r = -EBADMSG;                                           \
                goto fail;                                              \
        } while (0)

int job_record_parse(const char *text, const JobSpec *spec, JobRecord *ret, char **reterr_message) {
        _cleanup_(job_record_done) JobRecord rec = {};
        JobStatus *s = &rec.status;
        unsigned lineno = 0;
        bool ended = false;
        size_t dropped_completed = 0;
        int r;

        r = job_status_init(s, spec);
        if (r < 0)
                return r;

        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                _cleanup_(freep) char *l = nl ? strndup(line, nl - line) : strdup(line);
                _cleanup_(strv_freep) char **w = NULL;
                size_t n;

                lineno++;
                line = nl ? nl + 1 : NULL;
                if (!l)
                        return -ENOMEM;
                if (!nl)
                        FAIL("line %u: truncated (no newline)", lineno);
                if (ended)
                        FAIL("line %u: data after the end", lineno);
                w = split(l);
                if (!w)
                        return -ENOMEM;
                n = strv_length(w);

                if (lineno == 1) {
                        if (n != 2 || !streq(w[0], "jobsd-state") || !streq(w[1], "1"))
                                FAIL("line 1: not a jobsd state file of version %d", STATE_VERSION);
                } else if (streq(w[0], "uid") && n == 2) {
                        if (!(rec.uid = unescape(w[1])))
                                FAIL("line %u: bad uid", lineno);
                } else if (streq(w[0], "manifest-hash") && n == 2) {
                        if (!(rec.manifest_hash = unescape(w[1])))
                                FAIL("line %u: bad hash", lineno);
                } else if (streq(w[0], "created") && n == 2) {
                        if (parse_u64(w[1], &rec.created_usec) < 0)
                                FAIL("line %u: bad time", lineno);
                } else if (streq(w[0], "start") && n == 2) {
                        if (parse_u64(w[1], &s->start_usec) < 0)
                                FAIL("line %u: bad time", lineno);
                } else if (streq(w[0], "completion") && n == 2) {
                        if (parse_u64(w[1], &s->completion_usec) < 0)
                                FAIL("line %u: bad time", lineno);
                } else if (streq(w[0], "succeeded") && n == 2) {
                        if (parse_i32(w[1], &s->succeeded) < 0 || s->succeeded < 0)
                                FAIL("line %u: bad count", lineno);
                } else if (streq(w[0], "failed") && n == 2) {
                        if (parse_i32(w[1], &s->failed) < 0 || s->failed < 0)
                                FAIL("line %u: bad count", lineno);
                } else if (streq(w[0], "completed-indexes") && n == 2) {
                        /* spec §3.11: completions of an Indexed Job may go down (with parallelism), also
                         * while jobsd is stopped: indexes past the new end leave completedIndexes and
                         * succeeded. */
                        if (index_list_parse(w[1], s->completed_indexes, s->n_indexes, &dropped_completed) < 0)
                                FAIL("line %u: bad index list", lineno);
                } else if (streq(w[0], "failed-indexes") && n == 2) {
                        size_t dropped = 0;
                        if (index_list_parse(w[1], s->failed_indexes, s->n_indexes, &dropped) < 0)
                                FAIL("line %u: bad index list", lineno);
                } else if (streq(w[0], "index-failures") && n == 5) {
                        uint64_t i, counted, ignored, last;
                        if (parse_u64(w[1], &i) < 0 || parse_u64(w[2], &counted) < 0 ||
                            counted > UINT32_MAX || parse_u64(w[3], &ignored) < 0 || ignored > UINT32_MAX ||
                            parse_u64(w[4], &last) < 0)
                                FAIL("line %u: bad index failures", lineno);
                        if (i >= s->n_indexes)
                                continue;       /* past a lowered completions, as above */
                        s->index_failures[i] = (IndexFailures) {
                                .counted = (uint32_t) counted, .ignored = (uint32_t) ignored, .last_usec = last,
                        };
                } else if (streq(w[0], "pod-extra") && n == 8) {
                        uint64_t attempt, disruption, fc, ic;
                        int32_t rule;
                        int action = pod_failure_action_from_string(w[7]);
                        Pod *p;
                        if (parse_u64(w[1], &attempt) < 0 || !(p = job_status_find_pod(s, attempt)))
                                FAIL("line %u: pod-extra of an unknown pod", lineno);
                        if (parse_u64(w[2], &disruption) < 0 || disruption > 1 || parse_u64(w[4], &fc) < 0 ||
                            fc > UINT32_MAX || parse_u64(w[5], &ic) < 0 || ic > UINT32_MAX ||
                            parse_i32(w[6], &rule) < 0 || rule < UNSET || action < 0)
                                FAIL("line %u: bad pod-extra", lineno);
                        p->disruption = disruption;
                        p->index_failure_count = (uint32_t) fc;
                        p->index_ignored_failure_count = (uint32_t) ic;
                        p->failure_rule = rule;
                        p->failure_action = action;
                        free(p->disruption_reason);
                        p->disruption_reason = unescape(w[3]);
                        if (!p->disruption_reason)
                                FAIL("line %u: bad disruption reason", lineno);
                        if (!*p->disruption_reason)
                                p->disruption_reason = mfree(p->disruption_reason);
                } else if (streq(w[0], "next-attempt") && n == 2) {
                        if (parse_u64(w[1], &s->next_attempt) < 0)
                                FAIL("line %u: bad number", lineno);
                } else if (streq(w[0], "reserve") && n == 2) {
                        if (parse_u64(w[1], &s->reserve_attempt) < 0)
                                FAIL("line %u: bad number", lineno);
                        s->reserve_set = true;
                } else if (streq(w[0], "pod-reserved") && n == 2) {
                        uint64_t attempt;
                        Pod *p;
                        if (parse_u64(w[1], &attempt) < 0 || !(p = job_status_find_pod(s, attempt)))
                                FAIL("line %u: pod-reserved of an unknown pod", lineno);
                        p->reserved = true;
                } else if (streq(w[0], "backoff") && n == 3) {
                        uint64_t k;
                        if (parse_u64(w[1], &k) < 0 || k > UINT32_MAX || parse_u64(w[2], &s->last_failure_usec) < 0)
                                FAIL("line %u: bad back-off", lineno);
                        s->failures_since_success = (uint32_t) k;
                } else if (streq(w[0], "condition") && n == 6) {
                        JobConditionType t = job_condition_type_from_string(w[1]);
                        _cleanup_(freep) char *reason = unescape(w[4]), *message = unescape(w[5]);
                        uint64_t at;
                        if (t < 0 || !(streq(w[2], "True") || streq(w[2], "False")) || parse_u64(w[3], &at) < 0 ||
                            !reason || !message)
                                FAIL("line %u: bad condition", lineno);
                        r = job_status_set_condition(s, t, streq(w[2], "True"), reason, message, at);
                        if (r < 0)
                                return r;
                } else if (streq(w[0], "pod") && n == 11) {
                        Pod *p;
                        uint64_t attempt, counted, deletion;
                        int64_t index;
                        PodPhase phase = pod_phase_from_string(w[3]);
                        if (parse_u64(w[1], &attempt) < 0 || parse_i64(w[2], &index) < 0 || phase < 0 ||
                            parse_u64(w[4], &deletion) < 0 || deletion >= _POD_DELETION_MAX ||
                            parse_u64(w[6], &counted) < 0 || counted > 1 || job_status_find_pod(s, attempt))
                                FAIL("line %u: bad pod", lineno);
                        /* Pods are added with their containers from the template, then filled in. */
                        uint64_t saved = s->next_attempt;
                        s->next_attempt = attempt;
                        r = job_status_add_pod(s, spec, index, 0, &p);
                        s->next_attempt = saved;
                        if (r < 0)
                                return r;
                        p->phase = phase;
                        p->index_failure_count = p->index_ignored_failure_count = 0;   /* from pod-extra */
                        p->deletion = (PodDeletion) deletion;
                        p->counted = counted;
                        if (parse_u64(w[5], &p->deletion_usec) < 0 || parse_u64(w[7], &p->created_usec) < 0 ||
                            parse_u64(w[8], &p->started_usec) < 0 || parse_u64(w[9], &p->finished_usec) < 0)
                                FAIL("line %u: bad pod times", lineno);
                        p->reason = unescape(w[10]);
                        if (!p->reason)
                                FAIL("line %u: bad pod reason", lineno);
                        if (!*p->reason)
                                p->reason = mfree(p->reason);
                } else if (streq(w[0], "container") && n == 11) {
                        uint64_t attempt, init, restarts;
                        _cleanup_(freep) char *name = unescape(w[2]);
                        Pod *p;
                        ContainerStatus *c;
                        int state = container_state_from_string(w[4]);
                        int64_t code;
                        if (parse_u64(w[1], &attempt) < 0 || !name || !(p = job_status_find_pod(s, attempt)))
                                FAIL("line %u: container of an unknown pod", lineno);
                        c = pod_find_container(p, name);
                        if (!c)
                                FAIL("line %u: container '%s' is not in the Job's template", lineno, name);
                        if (parse_u64(w[3], &init) < 0 || state < 0 || parse_i64(w[5], &code) < 0 ||
                            code < INT32_MIN || code > INT32_MAX || parse_u64(w[6], &c->started_usec) < 0 ||
                            parse_u64(w[7], &c->finished_usec) < 0 || parse_u64(w[8], &restarts) < 0 ||
                            restarts > UINT32_MAX || parse_u64(w[9], &c->restart_at_usec) < 0)
                                FAIL("line %u: bad container", lineno);
                        c->state = state;
                        c->exit_code = (int) code;
                        c->restarts = (unsigned) restarts;
                        free(c->reason);
                        c->reason = unescape(w[10]);
                        if (!c->reason)
                                FAIL("line %u: bad container reason", lineno);
                        if (!*c->reason)
                                c->reason = mfree(c->reason);
                } else if (streq(w[0], "container-pull") && n == 6) {
                        uint64_t attempt, failures;
                        _cleanup_(freep) char *name = unescape(w[2]);
                        int pull = image_pull_from_string(w[3]);
                        Pod *p;
                        ContainerStatus *c;
                        if (parse_u64(w[1], &attempt) < 0 || !name || !(p = job_status_find_pod(s, attempt)) ||
                            !(c = pod_find_container(p, name)))
                                FAIL("line %u: pull of an unknown container", lineno);
                        if (pull < 0 || parse_u64(w[4], &failures) < 0 || failures > UINT32_MAX ||
                            parse_u64(w[5], &c->pull_failed_usec) < 0)
                                FAIL("line %u: bad container pull", lineno);
                        c->pull = pull;
                        c->pull_failures = (uint32_t) failures;
                } else if (streq(w[0], "end") && n == 1)
                        ended = true;
                else
                        FAIL("line %u: unknown record '%s'", lineno, w[0]);
        }
        if (!ended)
                FAIL("truncated: no end record");
        if (!rec.uid)
                FAIL("no uid record");
        if (dropped_completed > 0 && s->succeeded >= (int32_t) dropped_completed)
                s->succeeded -= (int32_t) dropped_completed;
        /* Counters never exceed what the Job can have. */
        if (s->n_indexes > 0 && (uint32_t) s->succeeded != job_status_completed_count(s))
                FAIL("succeeded %" PRIi32 " does not match the completed indexes", s->succeeded);
        for (size_t i = 0; i < s->n_indexes; i++)
                if (s->completed_indexes[i] && s->failed_indexes[i])
                        FAIL("index %zu is both completed and failed", i);

        *ret = rec;
        rec = (JobRecord) {};
        return 0;
fail:
        return r;
}

/* The listing (state_store_listing_begin()): the FNV-1a hashes of the names in "<dir>/jobs", in a table of
 * open addressing (0: an empty place; a name whose hash is 0 counts as 1). A hash met is "may exist": two
 * names with one hash only cost a lookup. */
static struct {
        char *dir;                      /* NULL: no listing */
        uint64_t *hashes;
        size_t n, size;                 /* size: a power of two, at least twice n */
} listing;

static uint64_t file_hash(const char *namespace, const char *name, const char *suffix) {
        uint64_t h = fnv1a64_str(FNV1A64_INIT, namespace);

        h = fnv1a64(h, "_", 1);
        h = fnv1a64_str(h, name);
        h = fnv1a64(h, ".", 1);
        return fnv1a64_str(h, suffix) ?: 1;
}

static bool listing_has(uint64_t h) {
        for (size_t i = h & (listing.size - 1);; i = (i + 1) & (listing.size - 1)) {
                if (listing.hashes[i] == h)
                        return true;
                if (listing.hashes[i] == 0)
                        return false;
        }
}

static int listing_add(uint64_t h) {
        if (2 * (listing.n + 1) > listing.size) {
                size_t size = listing.size ? listing.size * 2 : 64;
                uint64_t *old = listing.hashes, *a = calloc(size, sizeof(uint64_t));
                size_t old_size = listing.size;

                if (!a)
                        return -ENOMEM;
                listing.hashes = a;
                listing.size = size;
                listing.n = 0;
                for (size_t i = 0; i < old_size; i++)
                        if (old[i] != 0)
                                (void) listing_add(old[i]);
                free(old);
        }
        if (listing_has(h))
                return 0;
        for (size_t i = h & (listing.size - 1);; i = (i + 1) & (listing.size - 1))
                if (listing.hashes[i] == 0) {
                        listing.hashes[i] = h;
                        listing.n++;
                        return 0;
                }
}

void state_store_listing_end(void) {
        listing.dir = mfree(listing.dir);
        listing.hashes = mfree(listing.hashes);
        listing.n = listing.size = 0;
}

int state_store_listing_begin(const char *dir) {
        _cleanup_(freep) char *path = strprintf("%s/jobs", dir);
        DIR *d;
        int r = 0;

        state_store_listing_end();
        if (!path)
                return -ENOMEM;
        listing.dir = strdup(dir);
        if (!listing.dir || listing_add(1) < 0)         /* the table made (hash 1 then just costs a lookup) */
                goto fail;
        d = opendir(path);
        if (!d) {
                if (errno == ENOENT)
                        return 0;               /* no file yet: a first start */
                r = -errno;
                goto fail;
        }
        for (struct dirent *de; (errno = 0, de = readdir(d));)
                if (listing_add(fnv1a64_str(FNV1A64_INIT, de->d_name) ?: 1) < 0) {
                        closedir(d);
                        goto fail;
                }
        r = errno > 0 ? -errno : 0;
        closedir(d);
        if (r < 0)
                goto fail;
        return 0;
fail:
        state_store_listing_end();
        return r < 0 ? r : -ENOMEM;
}

bool state_store_listed(const char *dir) {
        return listing.dir && streq(listing.dir, dir);
}

bool state_store_may_exist(const char *dir, const char *namespace, const char *name, const char *suffix) {
        if (!listing.dir || !streq(listing.dir, dir))
                return true;
        return listing_has(file_hash(namespace, name, suffix));
}

/* A file the listing must count as there from now on; with no room for it, the listing goes. */
static void listing_note(const char *dir, const char *namespace, const char *name, const char *suffix) {
        if (listing.dir && streq(listing.dir, dir) && listing_add(file_hash(namespace, name, suffix)) < 0)
                state_store_listing_end();
}

int state_store_save(const char *dir, const char *namespace, const char *name, const JobRecord *r) {
        _cleanup_(freep) char *text = NULL;
        int q;

        q = job_record_format(r, &text);
        if (q < 0)
                return q;
        listing_note(dir, namespace, name, "state");
        return state_file_put_record_copy(dir, "jobs", namespace, name, "state", text, strlen(text),
                                          r->manifest_copy ? r->manifest_copy->data : NULL,
                                          r->manifest_copy ? r->manifest_copy->size : 0);
}

int state_store_load(const char *dir, const char *namespace, const char *name, const JobSpec *spec,
                     JobRecord *ret, char **ret_note, char **reterr_message) {
        _cleanup_(freep) char *buf = NULL;
        int r;

        if (!state_store_may_exist(dir, namespace, name, "state"))
                return -ENOENT;
        r = state_file_get_record(dir, "jobs", namespace, name, "state", STATE_RECORD_MAX, &buf, ret_note,
                                  reterr_message);
        if (r < 0)
                return r;
        return job_record_parse(buf, spec, ret, reterr_message);
}

int state_store_load_copy(const char *dir, const char *namespace, const char *name, char **ret, size_t *ret_size) {
        return state_file_get_record_copy(dir, "jobs", namespace, name, "state", STATE_RECORD_MAX, ret, ret_size);
}

int state_store_remove(const char *dir, const char *namespace, const char *name) {
        /* A Job deleted through the API is given a tombstone next (job-delete.c). */
        listing_note(dir, namespace, name, "deleted");
        return state_file_delete(dir, "jobs", namespace, name, "state");
}
