/*
 * shm: map the pool's shared segment. Any process may come first: the
 * segment is created at its full size, and zero is a valid empty state, so
 * there is no initialisation that a process killed half-way could spoil.
 * A segment that cannot be mapped is a startup error (SPEC 5: limits never
 * switch off by themselves): shm_attach says why and the caller stops.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "http/shm.h"

static struct shm_segment *segment;

/* Open, check and map the segment name; NULL with err set when it cannot be. */
static struct shm_segment *map_segment(const char *name, char *err, size_t errlen)
{
	struct stat st;
	void *p;
	int fd;

	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "shared memory %s cannot be created or opened: %s", name,
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0)
		goto fail;
	/* a segment another user made (or may write) could forge every limit */
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "shared memory %s belongs to another user or is open to "
			 "others (mode %03o): set shm_name to a name of your own", name,
			 (unsigned)(st.st_mode & 0777));
		close(fd);
		return NULL;
	}
	/* growing from 0 to the full size is idempotent when two processes race */
	if (st.st_size == 0 && ftruncate(fd, (off_t)sizeof(struct shm_segment)) != 0)
		goto fail;
	if (fstat(fd, &st) != 0)
		goto fail;
	if ((size_t)st.st_size != sizeof(struct shm_segment)) {
		snprintf(err, errlen, "shared memory %s has %lld bytes, this build needs %zu: "
			 "another version runs with the same shm_name", name,
			 (long long)st.st_size, sizeof(struct shm_segment));
		close(fd);
		return NULL;
	}
	/* populated now so that a worker's memory stays flat however many clients come */
	p = mmap(NULL, sizeof(struct shm_segment), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	close(fd);
	return p;
fail:
	snprintf(err, errlen, "shared memory %s: %s", name, strerror(errno));
	close(fd);
	return NULL;
}

bool shm_attach(const char *name, char *err, size_t errlen)
{
	struct shm_segment *seg;
	uint32_t expected = 0;
	uint64_t zero = 0, seed;

	seg = map_segment(name, err, errlen);
	if (!seg)
		return false;
	if (!atomic_compare_exchange_strong(&seg->version, &expected, SHM_LAYOUT_VERSION) &&
	    expected != SHM_LAYOUT_VERSION) {
		snprintf(err, errlen, "shared memory %s has layout %u, this build uses %u: "
			 "another version runs with the same shm_name", name, expected,
			 SHM_LAYOUT_VERSION);
		munmap(seg, sizeof(struct shm_segment));
		return false;
	}
	if (atomic_load(&seg->seed) == 0) {
		if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1 || seed == 0)
			seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
		atomic_compare_exchange_strong(&seg->seed, &zero, seed);
	}
	shm_detach();
	segment = seg;
	return true;
}

struct shm_segment *shm_get(void)
{
	return segment;
}

void shm_detach(void)
{
	if (segment)
		munmap(segment, sizeof(struct shm_segment));
	segment = NULL;
}
