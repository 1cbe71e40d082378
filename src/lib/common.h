/* common: the few macros every room uses (result checks, array sizes). */
#ifndef HG_COMMON_H
#define HG_COMMON_H

/* The caller must look at the result (pgbouncer's _MUSTCHECK). */
#define HG_MUSTCHECK __attribute__((warn_unused_result))

/* The number of elements of an array (not a pointer). */
#define HG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
