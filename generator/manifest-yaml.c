/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <yaml.h>

#include "jobsd/strv.h"
#include "manifest-yaml.h"

/* An anchor owns a copy of its node, taken when the node is complete: the node itself may later be
 * dropped (a duplicate key, a merge override) while aliases still refer to it. Until then, 'building'
 * identifies the node under construction, for the cycle check, and is never dereferenced. */
typedef struct Anchor {
        char *name;
        MNode *node;
        const MNode *building;
} Anchor;

typedef struct Builder {
        const char *filename;
        const char *data;
        size_t size;
        DiagList *diags;
        size_t n_nodes;
        Anchor *anchors;
        size_t n_anchors;
        bool failed;            /* a limit was hit: stop building */
} Builder;

MNode *mnode_free(MNode *n) {
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n_children; i++)
                mnode_free(n->children[i]);
        free(n->children);
        mnode_free(n->key);
        free(n->value);
        for (size_t i = 0; i < n->n_duplicates; i++)
                free(n->duplicates[i].key);
        free(n->duplicates);
        free(n);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(MNode *, mnode_free);

void mstream_done(MStream *s) {
        for (size_t i = 0; i < s->n_documents; i++)
                mnode_free(s->documents[i].root);
        s->documents = mfree(s->documents);
        s->n_documents = 0;
}

static void anchors_clear(Builder *b) {
        for (size_t i = 0; i < b->n_anchors; i++) {
                free(b->anchors[i].name);
                mnode_free(b->anchors[i].node);
        }
        b->anchors = mfree(b->anchors);
        b->n_anchors = 0;
}

/* A duplicate key is remembered on its mapping and reported once the document is built, when the path
 * is known; if the mapping is dropped because of another error, so is the report. */
static int duplicate_add(MNode *mapping, const MNode *key) {
        MDuplicate *d;

        d = realloc(mapping->duplicates, sizeof(MDuplicate) * (mapping->n_duplicates + 1));
        if (!d)
                return -ENOMEM;
        mapping->duplicates = d;
        d[mapping->n_duplicates] = (MDuplicate) { .line = key->line, .column = key->column };
        d[mapping->n_duplicates].key = strdup(key->value);
        if (!d[mapping->n_duplicates].key)
                return -ENOMEM;
        mapping->n_duplicates++;
        return 0;
}

static int duplicates_report(Builder *b, const MNode *n) {
        int r;

        if (!n)
                return 0;
        for (size_t i = 0; i < n->n_duplicates; i++) {
                _cleanup_(freep) char *p = mnode_path(n), *full = NULL;
                if (!p)
                        return -ENOMEM;
                full = strprintf("%s%s%s", p, *p ? "." : "", n->duplicates[i].key);
                if (!full)
                        return -ENOMEM;
                r = diag_add(b->diags, DIAG_ERROR, b->filename, true, n->duplicates[i].line, n->duplicates[i].column,
                             full, "duplicate key '%s'", n->duplicates[i].key);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n->n_children; i++) {
                r = duplicates_report(b, n->children[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int node_error(Builder *b, size_t line, size_t column, const char *fmt, ...) _printf_(4, 5);
static int node_error(Builder *b, size_t line, size_t column, const char *fmt, ...) {
        _cleanup_(freep) char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        m = vstrprintf(fmt, ap);
        va_end(ap);
        if (!m)
                return -ENOMEM;
        return diag_add(b->diags, DIAG_ERROR, b->filename, true, line, column, NULL, "%s", m);
}

/* libyaml reports invalid UTF-8 by byte offset only. */
static void offset_to_position(const char *data, size_t size, size_t offset, size_t *ret_line, size_t *ret_column) {
        size_t line = 0, column = 0;

        for (size_t i = 0; i < offset && i < size; i++) {
                if (data[i] == '\n') {
                        line++;
                        column = 0;
                } else if (((unsigned char) data[i] & 0xC0) != 0x80)
                        column++;
        }
        *ret_line = line;
        *ret_column = column;
}

static int parser_error(Builder *b, const yaml_parser_t *p) {
        size_t line = p->problem_mark.line, column = p->problem_mark.column;
        const char *problem = p->problem ?: "unknown error";

        if (p->error == YAML_READER_ERROR) {
                offset_to_position(b->data, b->size, p->problem_offset, &line, &column);
                return diag_add(b->diags, DIAG_ERROR, b->filename, true, line, column, NULL,
                                "invalid YAML: %s (byte 0x%02X at offset %zu)", problem,
                                (unsigned) (p->problem_value & 0xFF), p->problem_offset);
        }
        if (p->context)
                return diag_add(b->diags, DIAG_ERROR, b->filename, true, line, column, NULL,
                                "invalid YAML: %s %s (at %zu:%zu)", problem, p->context,
                                p->context_mark.line + 1, p->context_mark.column + 1);
        return diag_add(b->diags, DIAG_ERROR, b->filename, true, line, column, NULL, "invalid YAML: %s", problem);
}

static bool str_in(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

/* YAML 1.1 integer forms accepted by the Go YAML reader: decimal, 0x hex, 0 octal, 0b binary, '_'
 * separators, optional sign. */
static bool parse_yaml_int(const char *s, int64_t *ret, bool *ret_overflow) {
        bool neg = false;
        unsigned base = 10;
        unsigned __int128 v = 0;
        bool any = false;

        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                base = 16, s += 2;
        else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
                base = 2, s += 2;
        else if (s[0] == '0' && s[1])
                base = 8, s += 1;
        for (; *s; s++) {
                unsigned d;

                if (*s == '_')
                        continue;
                if (*s >= '0' && *s <= '9')
                        d = *s - '0';
                else if (*s >= 'a' && *s <= 'f')
                        d = *s - 'a' + 10;
                else if (*s >= 'A' && *s <= 'F')
                        d = *s - 'A' + 10;
                else
                        return false;
                if (d >= base)
                        return false;
                any = true;
                if (v <= ((unsigned __int128) 1 << 64))
                        v = v * base + d;
        }
        if (!any)
                return false;
        *ret_overflow = v > (unsigned __int128) INT64_MAX + (neg ? 1 : 0);
        *ret = *ret_overflow ? 0 : (neg ? (int64_t) -v : (int64_t) v);
        return true;
}

static bool looks_like_float(const char *s) {
        static const char *const special[] = {
                ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                ".nan", ".NaN", ".NAN", NULL
        };
        bool digits = false, dot = false, exp = false;

        if (str_in(s, special))
                return true;
        if (*s == '+' || *s == '-')
                s++;
        for (; *s; s++) {
                if (*s >= '0' && *s <= '9')
                        digits = true;
                else if (*s == '_' && digits)
                        continue;
                else if (*s == '.' && !dot && !exp)
                        dot = true;
                else if ((*s == 'e' || *s == 'E') && digits && !exp) {
                        exp = true;
                        if (s[1] == '+' || s[1] == '-')
                                s++;
                        if (!(s[1] >= '0' && s[1] <= '9'))
                                return false;
                } else
                        return false;
        }
        return digits && (dot || exp);
}

static void resolve_scalar(MNode *n, const yaml_event_t *e) {
        static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
        static const char *const trues[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
        static const char *const falses[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL };
        const char *tag = (const char *) e->data.scalar.tag;

        n->kind = MSCALAR_STRING;
        n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (tag && !streq(tag, "!")) {
                /* An explicit tag decides. */
                if (streq(tag, YAML_STR_TAG))
                        return;
                if (streq(tag, YAML_NULL_TAG))
                        n->kind = MSCALAR_NULL;
                else if (streq(tag, YAML_BOOL_TAG)) {
                        if (str_in(n->value, trues))
                                n->kind = MSCALAR_BOOL, n->bool_value = true;
                        else if (str_in(n->value, falses))
                                n->kind = MSCALAR_BOOL;
                } else if (streq(tag, YAML_INT_TAG)) {
                        if (parse_yaml_int(n->value, &n->int_value, &n->int_overflow))
                                n->kind = MSCALAR_INT;
                } else if (streq(tag, YAML_FLOAT_TAG))
                        n->kind = MSCALAR_FLOAT;
                return;
        }
        if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || (tag && streq(tag, "!")))
                return;
        if (strlen(n->value) != n->length)
                return;
        if (str_in(n->value, nulls))
                n->kind = MSCALAR_NULL;
        else if (str_in(n->value, trues))
                n->kind = MSCALAR_BOOL, n->bool_value = true;
        else if (str_in(n->value, falses))
                n->kind = MSCALAR_BOOL;
        else if (parse_yaml_int(n->value, &n->int_value, &n->int_overflow))
                n->kind = MSCALAR_INT;
        else if (looks_like_float(n->value))
                n->kind = MSCALAR_FLOAT;
}

static MNode *node_new(Builder *b, MNodeType type, const yaml_event_t *e) {
        MNode *n;

        if (b->n_nodes >= MANIFEST_NODES_MAX) {
                if (!b->failed)
                        (void) diag_add(b->diags, DIAG_ERROR, b->filename, true, e->start_mark.line,
                                        e->start_mark.column, NULL,
                                        "document too large: more than %d YAML nodes (aliases count as copies), refusing",
                                        MANIFEST_NODES_MAX);
                b->failed = true;
                return NULL;
        }
        n = calloc(1, sizeof(MNode));
        if (!n)
                return NULL;
        b->n_nodes++;
        n->type = type;
        n->line = e->start_mark.line;
        n->column = e->start_mark.column;
        return n;
}

static int node_append(MNode *parent, MNode *child) {
        MNode **c;

        c = realloc(parent->children, sizeof(MNode *) * (parent->n_children + 1));
        if (!c)
                return -ENOMEM;
        parent->children = c;
        child->parent = parent;
        child->index = parent->n_children;
        parent->children[parent->n_children++] = child;
        return 0;
}

/* Deep copy for an alias: the copy keeps the anchored node's marks. */
static MNode *node_copy(Builder *b, const MNode *src, size_t line, size_t column) {
        _cleanup_(mnode_freep) MNode *n = NULL;

        if (b->n_nodes >= MANIFEST_NODES_MAX) {
                if (!b->failed)
                        (void) diag_add(b->diags, DIAG_ERROR, b->filename, true, line, column, NULL,
                                        "alias expands to more than %d YAML nodes, refusing", MANIFEST_NODES_MAX);
                b->failed = true;
                return NULL;
        }
        n = calloc(1, sizeof(MNode));
        if (!n)
                return NULL;
        b->n_nodes++;
        n->type = src->type;
        n->line = src->line;
        n->column = src->column;
        n->kind = src->kind;
        n->plain = src->plain;
        n->bool_value = src->bool_value;
        n->int_value = src->int_value;
        n->int_overflow = src->int_overflow;
        n->length = src->length;
        if (src->value) {
                n->value = malloc(src->length + 1);
                if (!n->value)
                        return NULL;
                memcpy(n->value, src->value, src->length + 1);
        }
        for (size_t i = 0; i < src->n_children; i++) {
                MNode *c = node_copy(b, src->children[i], line, column);
                if (!c)
                        return NULL;
                if (src->children[i]->key) {
                        c->key = node_copy(b, src->children[i]->key, line, column);
                        if (!c->key) {
                                mnode_free(c);
                                return NULL;
                        }
                }
                if (node_append(n, c) < 0) {
                        mnode_free(c);
                        return NULL;
                }
        }
        return TAKE_PTR(n);
}

static MNode *node_copy(Builder *b, const MNode *src, size_t line, size_t column);

/* Registers an anchor for a node being built (its copy is taken by anchor_complete()). A later anchor of
 * the same name shadows the earlier one. */
static int anchor_register(Builder *b, const yaml_char_t *name, const MNode *n) {
        Anchor *a;

        if (!name)
                return 0;
        a = realloc(b->anchors, sizeof(Anchor) * (b->n_anchors + 1));
        if (!a)
                return -ENOMEM;
        b->anchors = a;
        b->anchors[b->n_anchors] = (Anchor) { .building = n };
        b->anchors[b->n_anchors].name = strdup((const char *) name);
        if (!b->anchors[b->n_anchors].name)
                return -ENOMEM;
        b->n_anchors++;
        return 0;
}

static int anchor_complete(Builder *b, const MNode *n) {
        for (size_t i = 0; i < b->n_anchors; i++)
                if (b->anchors[i].building == n && !b->anchors[i].node) {
                        b->anchors[i].node = node_copy(b, n, n->line, n->column);
                        b->anchors[i].building = NULL;
                        if (!b->anchors[i].node)
                                return b->failed ? 0 : -ENOMEM;
                }
        return 0;
}

static MNode *mapping_find_key(const MNode *m, const char *key, size_t length) {
        for (size_t i = 0; i < m->n_children; i++) {
                const MNode *k = m->children[i]->key;
                if (k && k->length == length && memcmp(k->value, key, length) == 0)
                        return m->children[i];
        }
        return NULL;
}

static bool mapping_has_key(const MNode *m, const char *key, size_t length) {
        return mapping_find_key(m, key, length) != NULL;
}

/* '<<: *base' or '<<: [*a, *b]': copy the keys the mapping does not have yet. */
static int mapping_merge(Builder *b, MNode *m, const MNode *src, const MNode *at) {
        if (src->type == MNODE_SEQUENCE) {
                for (size_t i = 0; i < src->n_children; i++) {
                        int r = mapping_merge(b, m, src->children[i], at);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (src->type != MNODE_MAPPING)
                return node_error(b, at->line, at->column, "%s", "invalid YAML: merge key '<<' needs a mapping or a list of mappings");
        for (size_t i = 0; i < src->n_children; i++) {
                const MNode *v = src->children[i];
                MNode *c;

                if (mapping_has_key(m, v->key->value, v->key->length))
                        continue;
                c = node_copy(b, v, at->line, at->column);
                if (!c)
                        return b->failed ? 0 : -ENOMEM;
                c->key = node_copy(b, v->key, at->line, at->column);
                if (!c->key) {
                        mnode_free(c);
                        return b->failed ? 0 : -ENOMEM;
                }
                c->merged = true;
                if (node_append(m, c) < 0) {
                        mnode_free(c);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* Parses one node (whose first event is e) and its children. Returns 0 with *ret NULL when the node was
 * refused (diag added), < 0 on allocation failure; *ret_fatal on a syntax error (stop the stream). */
static int build_node(Builder *b, yaml_parser_t *p, yaml_event_t *e, unsigned depth, MNode **ret, bool *ret_fatal);

static int build_children(Builder *b, yaml_parser_t *p, MNode *n, unsigned depth, bool *ret_fatal) {
        yaml_event_type_t end = n->type == MNODE_MAPPING ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        int r;

        for (;;) {
                yaml_event_t e;
                MNode *key = NULL, *child = NULL;

                if (!yaml_parser_parse(p, &e)) {
                        *ret_fatal = true;
                        return parser_error(b, p);
                }
                if (e.type == end) {
                        yaml_event_delete(&e);
                        return 0;
                }

                if (n->type == MNODE_SEQUENCE) {
                        r = build_node(b, p, &e, depth + 1, &child, ret_fatal);
                        yaml_event_delete(&e);
                        if (r < 0 || *ret_fatal)
                                return r;
                        if (child && node_append(n, child) < 0) {
                                mnode_free(child);
                                return -ENOMEM;
                        }
                        if (b->failed)
                                return 0;
                        continue;
                }

                /* Mapping: key, then value. */
                r = build_node(b, p, &e, depth + 1, &key, ret_fatal);
                yaml_event_delete(&e);
                if (r < 0 || *ret_fatal) {
                        mnode_free(key);
                        return r;
                }
                if (!yaml_parser_parse(p, &e)) {
                        mnode_free(key);
                        *ret_fatal = true;
                        return parser_error(b, p);
                }
                r = build_node(b, p, &e, depth + 1, &child, ret_fatal);
                yaml_event_delete(&e);
                if (r < 0 || *ret_fatal || b->failed) {
                        mnode_free(key);
                        mnode_free(child);
                        return r;
                }
                if (!key || !child) {
                        mnode_free(key);
                        mnode_free(child);
                        continue;
                }
                if (key->type != MNODE_SCALAR) {
                        r = node_error(b, key->line, key->column, "%s",
                                       "invalid YAML: mapping keys must be strings, not a list or mapping");
                        mnode_free(key);
                        mnode_free(child);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (key->kind != MSCALAR_STRING) {
                        /* Keys must be strings in the object model (JSON). */
                        r = node_error(b, key->line, key->column,
                                       "invalid YAML: mapping key '%s' is not a string (quote it)", key->value);
                        mnode_free(key);
                        mnode_free(child);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Only a plain '<<' merges; a quoted one is an ordinary key. */
                if (key->plain && streq(key->value, "<<") && key->length == 2) {
                        r = mapping_merge(b, n, child, key);
                        mnode_free(key);
                        mnode_free(child);
                        if (r < 0)
                                return r;
                        continue;
                }
                MNode *old = mapping_find_key(n, key->value, key->length);
                if (old && old->merged) {
                        /* An explicit key overrides one that came in through '<<', wherever it stands. */
                        size_t i = old->index;
                        child->key = key;
                        key->parent = n;
                        child->parent = n;
                        child->index = i;
                        n->children[i] = child;
                        mnode_free(old);
                        continue;
                }
                if (old) {
                        r = duplicate_add(n, key);
                        mnode_free(key);
                        mnode_free(child);
                        if (r < 0)
                                return r;
                        continue;
                }
                child->key = key;
                key->parent = n;
                if (node_append(n, child) < 0) {
                        mnode_free(child);
                        return -ENOMEM;
                }
        }
}

static int build_node(Builder *b, yaml_parser_t *p, yaml_event_t *e, unsigned depth, MNode **ret, bool *ret_fatal) {
        _cleanup_(mnode_freep) MNode *n = NULL;
        int r;

        *ret = NULL;
        if (depth > MANIFEST_DEPTH_MAX && (e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT)) {
                *ret_fatal = true;
                return diag_add(b->diags, DIAG_ERROR, b->filename, true, e->start_mark.line, e->start_mark.column,
                                NULL, "document nested deeper than %d levels, refusing", MANIFEST_DEPTH_MAX);
        }

        switch (e->type) {

        case YAML_ALIAS_EVENT: {
                const char *name = (const char *) e->data.alias.anchor;
                for (size_t i = b->n_anchors; i > 0; i--) {
                        Anchor *a = b->anchors + i - 1;
                        if (!streq(a->name, name))
                                continue;
                        if (!a->node)
                                return node_error(b, e->start_mark.line, e->start_mark.column,
                                                  "alias '*%s' refers to a node that contains it (a cycle), refusing", name);
                        n = node_copy(b, a->node, e->start_mark.line, e->start_mark.column);
                        if (!n)
                                return b->failed ? 0 : -ENOMEM;
                        *ret = TAKE_PTR(n);
                        return 0;
                }
                return node_error(b, e->start_mark.line, e->start_mark.column, "unknown alias '*%s'", name);
        }

        case YAML_SCALAR_EVENT:
                n = node_new(b, MNODE_SCALAR, e);
                if (!n)
                        return b->failed ? 0 : -ENOMEM;
                n->length = e->data.scalar.length;
                n->value = malloc(n->length + 1);
                if (!n->value)
                        return -ENOMEM;
                memcpy(n->value, e->data.scalar.value, n->length);
                n->value[n->length] = 0;
                resolve_scalar(n, e);
                r = anchor_register(b, e->data.scalar.anchor, n);
                if (r >= 0)
                        r = anchor_complete(b, n);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(n);
                return 0;

        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
                n = node_new(b, e->type == YAML_MAPPING_START_EVENT ? MNODE_MAPPING : MNODE_SEQUENCE, e);
                if (!n)
                        return b->failed ? 0 : -ENOMEM;
                r = anchor_register(b, e->type == YAML_MAPPING_START_EVENT ? e->data.mapping_start.anchor :
                                    e->data.sequence_start.anchor, n);
                if (r < 0)
                        return r;
                r = build_children(b, p, n, depth, ret_fatal);
                if (r < 0 || *ret_fatal)
                        return r;
                r = anchor_complete(b, n);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(n);
                return 0;

        default:
                *ret_fatal = true;
                return node_error(b, e->start_mark.line, e->start_mark.column, "%s", "invalid YAML: unexpected event");
        }
}

int mstream_parse(const char *filename, const char *data, size_t size, MStream *ret, DiagList *diags) {
        Builder b = { .filename = filename, .data = data, .size = size, .diags = diags };
        MStream s = {};
        yaml_parser_t p;
        int r = 0;

        if (size > MANIFEST_SIZE_MAX)
                return diag_add(diags, DIAG_ERROR, filename, false, 0, 0, NULL,
                                "file is %zu bytes, larger than the limit of %zu bytes, refusing", size, MANIFEST_SIZE_MAX);

        if (!yaml_parser_initialize(&p))
                return -ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *) data, size);

        for (;;) {
                yaml_event_t e;
                bool fatal = false;

                if (!yaml_parser_parse(&p, &e)) {
                        r = parser_error(&b, &p);
                        break;
                }
                if (e.type == YAML_STREAM_END_EVENT) {
                        yaml_event_delete(&e);
                        break;
                }
                if (e.type != YAML_DOCUMENT_START_EVENT) {
                        yaml_event_delete(&e);
                        continue;
                }

                MDocument d = { .line = e.start_mark.line, .column = e.start_mark.column };
                size_t errors_before = diag_list_count(diags, DIAG_ERROR);
                yaml_event_delete(&e);
                if (s.n_documents >= MANIFEST_DOCUMENTS_MAX) {
                        r = diag_add(diags, DIAG_ERROR, filename, true, d.line, d.column, NULL,
                                     "more than %d documents in one file, refusing", MANIFEST_DOCUMENTS_MAX);
                        break;
                }

                if (!yaml_parser_parse(&p, &e)) {
                        r = parser_error(&b, &p);
                        break;
                }
                r = build_node(&b, &p, &e, 0, &d.root, &fatal);
                yaml_event_delete(&e);
                anchors_clear(&b);
                if (r >= 0 && !fatal && !b.failed)
                        r = duplicates_report(&b, d.root);
                d.n_errors = diag_list_count(diags, DIAG_ERROR) - errors_before;
                if (r < 0 || fatal || b.failed) {
                        mnode_free(d.root);
                        break;
                }
                /* DOCUMENT-END */
                if (!yaml_parser_parse(&p, &e)) {
                        mnode_free(d.root);
                        r = parser_error(&b, &p);
                        break;
                }
                yaml_event_delete(&e);

                MDocument *nd = realloc(s.documents, sizeof(MDocument) * (s.n_documents + 1));
                if (!nd) {
                        mnode_free(d.root);
                        r = -ENOMEM;
                        break;
                }
                s.documents = nd;
                s.documents[s.n_documents++] = d;
        }

        anchors_clear(&b);
        yaml_parser_delete(&p);
        if (r < 0) {
                mstream_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

char *mnode_path(const MNode *n) {
        _cleanup_(freep) char *p = NULL;

        if (!n || !n->parent)
                return strdup("");
        p = mnode_path(n->parent);
        if (!p)
                return NULL;
        if (n->parent->type == MNODE_SEQUENCE)
                return strprintf("%s[%zu]", p, n->index);
        if (n->key)
                return strprintf("%s%s%s", p, *p ? "." : "", n->key->value);
        return TAKE_PTR(p);
}

MNode *mnode_get(const MNode *n, const char *key) {
        if (!n || n->type != MNODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < n->n_children; i++)
                if (streq(n->children[i]->key->value, key))
                        return n->children[i];
        return NULL;
}

const char *mnode_type_to_string(const MNode *n) {
        switch (n->type) {
        case MNODE_MAPPING:
                return "an object";
        case MNODE_SEQUENCE:
                return "a list";
        case MNODE_SCALAR:
                switch (n->kind) {
                case MSCALAR_STRING:
                        return "a string";
                case MSCALAR_NULL:
                        return "null";
                case MSCALAR_BOOL:
                        return "a boolean";
                case MSCALAR_INT:
                        return "an integer";
                case MSCALAR_FLOAT:
                        return "a number";
                }
        }
        return "a value";
}
