/* A minimal JSON reader for the test expectations. For the tests only. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *ws(const char *p) {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    return p;
}

static json *value(const char **pp);

static char *string(const char **pp) {
    const char *p = *pp + 1;
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c != '"' && c != '\\' && c != '/') { free(out); return NULL; }
        }
        if (n + 2 > cap) {
            char *grown = realloc(out, cap *= 2);
            if (!grown) { free(out); return NULL; }
            out = grown;
        }
        out[n++] = c;
    }
    if (*p != '"') { free(out); return NULL; }
    out[n] = '\0';
    *pp = p + 1;
    return out;
}

static json *node(json_kind kind) {
    json *j = calloc(1, sizeof *j);
    if (j) j->kind = kind;
    return j;
}

static json *container(const char **pp, char close, int object) {
    json *j = node(object ? J_OBJ : J_ARR), **tail;
    const char *p = ws(*pp + 1);
    if (!j) return NULL;
    tail = &j->child;
    if (*p == close) { *pp = p + 1; return j; }
    for (;;) {
        char *key = NULL;
        json *v;
        p = ws(p);
        if (object) {
            if (*p != '"' || !(key = string(&p))) goto fail;
            p = ws(p);
            if (*p++ != ':') { free(key); goto fail; }
        }
        v = value(&p);
        if (!v) { free(key); goto fail; }
        v->key = key;
        *tail = v;
        tail = &v->next;
        p = ws(p);
        if (*p == ',') { p++; continue; }
        if (*p == close) { *pp = p + 1; return j; }
        goto fail;
    }
fail:
    json_free(j);
    return NULL;
}

static json *value(const char **pp) {
    const char *p = ws(*pp);
    json *j = NULL;
    if (*p == '{') j = container(&p, '}', 1);
    else if (*p == '[') j = container(&p, ']', 0);
    else if (*p == '"') {
        char *s = string(&p);
        if (s && (j = node(J_STR))) j->str = s;
        else free(s);
    } else if (!strncmp(p, "true", 4)) { j = node(J_BOOL); if (j) j->boolean = 1; p += 4; }
    else if (!strncmp(p, "false", 5)) { j = node(J_BOOL); p += 5; }
    else if (!strncmp(p, "null", 4)) { j = node(J_NULL); p += 4; }
    else {
        char *end;
        double d = strtod(p, &end);
        if (end != p && (j = node(J_NUM))) { j->num = d; p = end; }
    }
    *pp = p;
    return j;
}

json *json_parse(const char *text) {
    const char *p = text;
    json *j = value(&p);
    if (j && *ws(p) != '\0') { json_free(j); return NULL; }
    return j;
}

void json_free(json *j) {
    while (j) {
        json *next = j->next;
        json_free(j->child);
        free(j->str);
        free(j->key);
        free(j);
        j = next;
    }
}

const json *json_get(const json *obj, const char *key) {
    const json *c;
    if (!obj || obj->kind != J_OBJ) return NULL;
    for (c = obj->child; c; c = c->next)
        if (c->key && !strcmp(c->key, key)) return c;
    return NULL;
}

const json *json_at(const json *arr, size_t i) {
    const json *c;
    if (!arr || arr->kind != J_ARR) return NULL;
    for (c = arr->child; c && i > 0; c = c->next) i--;
    return c;
}

size_t json_len(const json *arr) {
    size_t n = 0;
    const json *c;
    if (!arr) return 0;
    for (c = arr->child; c; c = c->next) n++;
    return n;
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) { free(buf); buf = NULL; }
    fclose(f);
    if (!buf) return NULL;
    buf[size] = '\0';
    if (len) *len = (size_t)size;
    return buf;
}
