package mail

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"goa.design/clue/log"
)

// sender is what the worker sends with (*Sender; tests may count).
type sender interface {
	Send(ctx context.Context, m Message) error
}

// Worker sends the notices of the outbox.
type Worker struct {
	river.WorkerDefaults[NoticeArgs]
	send      sender
	publicURL string
	logCtx    context.Context
	// retryScale shrinks RetryDelay (tests); 1 in production.
	retryScale float64
}

// NewWorker returns the worker that sends with s, links pointing to
// publicURL, logging to logCtx.
func NewWorker(logCtx context.Context, s sender, publicURL string) *Worker {
	return &Worker{send: s, publicURL: publicURL, logCtx: logCtx, retryScale: 1}
}

// WithRetryScale multiplies the retry delays by f (tests use a small f).
func (w *Worker) WithRetryScale(f float64) *Worker {
	w.retryScale = f
	return w
}

// Work implements river.Worker: render, send. A failure is retried (River
// keeps the job) until MaxAttempts, when the worker gives up with an
// error line.
func (w *Worker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	m, err := Render(job.Args, w.publicURL)
	if err != nil {
		log.Error(w.logCtx, err, log.KV{K: "msg", V: "mail cannot be rendered; dropped"}, log.KV{K: "notice", V: job.Args.Notice})
		return river.JobCancel(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := w.send.Send(ctx, m); err != nil {
		notice, user, attempt := log.KV{K: "notice", V: job.Args.Notice}, log.KV{K: "user_id", V: job.Args.UserID}, log.KV{K: "attempt", V: job.Attempt}
		if job.Attempt >= job.MaxAttempts {
			log.Error(w.logCtx, err, log.KV{K: "msg", V: "mail not delivered: giving up"}, notice, user, attempt)
		} else {
			log.Print(w.logCtx, log.KV{K: "msg", V: "mail not delivered yet: will retry"}, log.KV{K: "error", V: err.Error()}, notice, user, attempt)
		}
		return err
	}
	log.Print(w.logCtx, log.KV{K: "msg", V: "mail delivered"}, log.KV{K: "notice", V: job.Args.Notice}, log.KV{K: "user_id", V: job.Args.UserID})
	return nil
}

// NextRetry implements river.Worker: RetryDelay after the job's attempts.
func (w *Worker) NextRetry(job *river.Job[NoticeArgs]) time.Time {
	return time.Now().Add(time.Duration(float64(RetryDelay(job.Attempt)) * w.retryScale))
}

// Timeout implements river.Worker.
func (w *Worker) Timeout(*river.Job[NoticeArgs]) time.Duration { return 2 * time.Minute }
