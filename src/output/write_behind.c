/* write_behind.c - a writer thread for buffered files (see write_behind.h).
 *
 * One mutex guards the queue and every job's and stream's completion state; the thread drops
 * it around write(2).  Producers wait on `done`, the thread on `work`.
 */
#include "output/write_behind.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct write_behind {
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t done; /* a job completed */
	struct wb_job *head, *tail;
	bool stop;
	pthread_t thread;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *wb_main(void *arg)
{
	struct write_behind *wb = arg;
	pthread_mutex_lock(&wb->mu);
	for (;;) {
		while (!wb->head && !wb->stop)
			pthread_cond_wait(&wb->work, &wb->mu);
		struct wb_job *j = wb->head;
		if (!j)
			break; /* stopping, and nothing is left */
		wb->head = j->next;
		if (!wb->head)
			wb->tail = NULL;
		int err = j->stream->err;
		pthread_mutex_unlock(&wb->mu);
		if (!err)
			err = write_all(j->stream->fd, j->data, j->len);
		pthread_mutex_lock(&wb->mu);
		if (err && !j->stream->err)
			j->stream->err = err;
		j->err = err;
		j->done = true;
		j->stream->inflight--;
		pthread_cond_broadcast(&wb->done);
	}
	pthread_mutex_unlock(&wb->mu);
	return NULL;
}

int write_behind_new(struct write_behind **out)
{
	*out = NULL;
	struct write_behind *wb = calloc(1, sizeof(*wb));
	if (!wb)
		return -ENOMEM;
	pthread_mutex_init(&wb->mu, NULL);
	pthread_cond_init(&wb->work, NULL);
	pthread_cond_init(&wb->done, NULL);
	int r = pthread_create(&wb->thread, NULL, wb_main, wb);
	if (r) {
		pthread_cond_destroy(&wb->done);
		pthread_cond_destroy(&wb->work);
		pthread_mutex_destroy(&wb->mu);
		free(wb);
		return -r;
	}
	*out = wb;
	return 0;
}

void write_behind_free(struct write_behind *wb)
{
	if (!wb)
		return;
	pthread_mutex_lock(&wb->mu);
	wb->stop = true;
	pthread_cond_signal(&wb->work);
	pthread_mutex_unlock(&wb->mu);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->done);
	pthread_cond_destroy(&wb->work);
	pthread_mutex_destroy(&wb->mu);
	free(wb);
}

void wb_submit(struct write_behind *wb, struct wb_job *job)
{
	job->next = NULL;
	job->err = 0;
	pthread_mutex_lock(&wb->mu);
	job->done = false;
	job->stream->inflight++;
	if (wb->tail)
		wb->tail->next = job;
	else
		wb->head = job;
	wb->tail = job;
	pthread_cond_signal(&wb->work);
	pthread_mutex_unlock(&wb->mu);
}

int wb_job_wait(struct write_behind *wb, struct wb_job *job)
{
	pthread_mutex_lock(&wb->mu);
	while (!job->done)
		pthread_cond_wait(&wb->done, &wb->mu);
	int err = job->err;
	pthread_mutex_unlock(&wb->mu);
	return err;
}

int wb_stream_drain(struct write_behind *wb, struct wb_stream *stream)
{
	pthread_mutex_lock(&wb->mu);
	while (stream->inflight)
		pthread_cond_wait(&wb->done, &wb->mu);
	int err = stream->err;
	pthread_mutex_unlock(&wb->mu);
	return err;
}
