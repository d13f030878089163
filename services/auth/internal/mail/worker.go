package mail

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"goa.design/clue/log"
)

// sender is what the workers send with (*Sender; tests may count).
type sender interface {
	Send(ctx context.Context, m Message) error
}

// postman is what both workers share: the sender, the origin of links,
// the log and the retry delays.
type postman struct {
	send      sender
	publicURL string
	logCtx    context.Context
	// retryScale shrinks RetryDelay (tests); 1 in production.
	retryScale float64
}

// deliver sends m for the job (what says what it is, for the log lines,
// which never hold a token or a link). A failure is returned for River
// to retry until the job's last attempt, when it is logged as given up.
func (p *postman) deliver(ctx context.Context, m Message, attempt, maxAttempts int, what ...log.Fielder) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := p.send.Send(ctx, m); err != nil {
		fields := append(what, log.KV{K: "attempt", V: attempt})
		if attempt >= maxAttempts {
			log.Error(p.logCtx, err, append([]log.Fielder{log.KV{K: "msg", V: "mail not delivered: giving up"}}, fields...)...)
		} else {
			log.Print(p.logCtx, append([]log.Fielder{log.KV{K: "msg", V: "mail not delivered yet: will retry"}, log.KV{K: "error", V: err.Error()}}, fields...)...)
		}
		return err
	}
	log.Print(p.logCtx, append([]log.Fielder{log.KV{K: "msg", V: "mail delivered"}}, what...)...)
	return nil
}

// nextRetry is when attempt n+1 runs after n failures.
func (p *postman) nextRetry(attempt int) time.Time {
	return time.Now().Add(time.Duration(float64(RetryDelay(attempt)) * p.retryScale))
}

// Worker sends the notices of the outbox.
type Worker struct {
	river.WorkerDefaults[NoticeArgs]
	postman
}

// NewWorker returns the worker that sends with s, links pointing to
// publicURL, logging to logCtx.
func NewWorker(logCtx context.Context, s sender, publicURL string) *Worker {
	return &Worker{postman: postman{send: s, publicURL: publicURL, logCtx: logCtx, retryScale: 1}}
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
	notice := log.KV{K: "notice", V: job.Args.Notice}
	m, err := Render(job.Args, w.publicURL)
	if err != nil {
		log.Error(w.logCtx, err, log.KV{K: "msg", V: "mail cannot be rendered; dropped"}, notice)
		return river.JobCancel(err)
	}
	return w.deliver(ctx, m, job.Attempt, job.MaxAttempts, notice, log.KV{K: "user_id", V: job.Args.UserID})
}

// NextRetry implements river.Worker: RetryDelay after the job's attempts.
func (w *Worker) NextRetry(job *river.Job[NoticeArgs]) time.Time { return w.nextRetry(job.Attempt) }

// Timeout implements river.Worker.
func (w *Worker) Timeout(*river.Job[NoticeArgs]) time.Duration { return 2 * time.Minute }
