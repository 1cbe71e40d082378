/* migrations: the SQL migrations of sql/, embedded at build time, in version order. */
#ifndef HG_MIGRATIONS_H
#define HG_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration hg_migrations[];
extern const int hg_migrations_count;

#endif
