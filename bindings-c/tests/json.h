/* A minimal JSON reader for the test expectations (objects, arrays, strings without
 * escapes beyond \" \\ \/ \n \t, numbers, true/false/null). For the tests only. */
#ifndef SCANX_TEST_JSON_H
#define SCANX_TEST_JSON_H
#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } json_kind;

typedef struct json {
    json_kind kind;
    double num;
    int boolean;
    char *str;             /* J_STR */
    char *key;             /* member name when inside an object */
    struct json *child;    /* first element or member */
    struct json *next;     /* next sibling */
} json;

/* Parses NUL-terminated text; NULL on a syntax error. */
json *json_parse(const char *text);
void json_free(json *j);
/* Member `key` of an object, or NULL. */
const json *json_get(const json *obj, const char *key);
/* Element `i` of an array, or NULL. */
const json *json_at(const json *arr, size_t i);
size_t json_len(const json *arr);
/* The file at `path` as a NUL-terminated string (free it), with its length; NULL on error. */
char *read_file(const char *path, size_t *len);
#endif
