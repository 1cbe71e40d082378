/*
 * shm: map the pool's shared segment. Any process may come first: the
 * segment is created at its full size, and zero is a valid empty state, so
 * there is no initialisation that a process killed half-way could spoil.
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

#include "lib/log.h"
#include "http/shm.h"

static const char *shm_name = "/hookgate";
static struct shm_segment *segment;
static bool failed;

void shm_configure(const char *name)
{
	if (name && *name)
		shm_name = name;
}

static struct shm_segment *map_segment(void)
{
	struct stat st;
	void *p;
	int fd;

	fd = shm_open(shm_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("shared memory %s: %s; rate limits and metrics are off", shm_name,
			  strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0)
		goto fail;
	/* a segment another user made (or may write) could forge every limit */
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		log_error("shared memory %s belongs to another user or is open to others; "
			  "rate limits and metrics are off (set shm_name to a name of your own)",
			  shm_name);
		close(fd);
		return NULL;
	}
	/* growing from 0 to the full size is idempotent when two processes race */
	if (st.st_size == 0 && ftruncate(fd, (off_t)sizeof(struct shm_segment)) != 0)
		goto fail;
	if (fstat(fd, &st) != 0)
		goto fail;
	if ((size_t)st.st_size != sizeof(struct shm_segment)) {
		log_error("shared memory %s has %lld bytes, this build needs %zu: another "
			  "version runs with the same shm_name; rate limits and metrics are off",
			  shm_name, (long long)st.st_size, sizeof(struct shm_segment));
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
	log_error("shared memory %s: %s; rate limits and metrics are off", shm_name,
		  strerror(errno));
	close(fd);
	return NULL;
}

struct shm_segment *shm_get(void)
{
	uint32_t expected = 0;
	uint64_t zero = 0, seed;

	if (segment || failed)
		return segment;
	segment = map_segment();
	if (!segment) {
		failed = true;
		return NULL;
	}
	if (!atomic_compare_exchange_strong(&segment->version, &expected, SHM_LAYOUT_VERSION) &&
	    expected != SHM_LAYOUT_VERSION) {
		log_error("shared memory %s has layout %u, this build uses %u; rate limits "
			  "and metrics are off", shm_name, expected, SHM_LAYOUT_VERSION);
		shm_detach();
		failed = true;
		return NULL;
	}
	if (atomic_load(&segment->seed) == 0) {
		if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1 || seed == 0)
			seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
		atomic_compare_exchange_strong(&segment->seed, &zero, seed);
	}
	return segment;
}

void shm_detach(void)
{
	if (segment)
		munmap(segment, sizeof(struct shm_segment));
	segment = NULL;
}
