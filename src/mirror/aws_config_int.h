/* aws_config_int.h - shared between aws_config.c (loading) and aws_validate.c (checks). */
#ifndef VXS_MIRROR_AWS_CONFIG_INT_H
#define VXS_MIRROR_AWS_CONFIG_INT_H

#include "aws_config.h"

/* Fill e: file, JSON path, value (JSON text, "" when absent) and the rule broken; e->msg
 * gets the whole line "file: path: value V: rule". */
void aws_error_set(struct aws_error *e, bool warning, const char *file, const char *path,
                   const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
