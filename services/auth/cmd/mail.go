package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/config"
	"github.com/infrastructure/platform/services/auth/internal/mail"
)

// outbox is the durable mail queue (River over the service's database):
// the repositories insert into it; this replica's worker sends when
// SMTP_URL is set.
type outbox struct {
	client  *river.Client[pgx.Tx]
	started bool
}

// newOutbox makes the queue's client and, with SMTP_URL, starts its
// workers: notices, and links whose tokens issuer stores. retryScale
// shrinks the retry delays (tests; 1 otherwise).
func newOutbox(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, issuer mail.Issuer, retryScale float64) (*outbox, error) {
	var sender *mail.Sender
	if cfg.SMTPURL != "" {
		s, err := mail.NewSender(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		sender = s
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, mail.NewWorker(ctx, sender, cfg.PublicURL).WithRetryScale(retryScale))
	river.AddWorker(workers, mail.NewLinkWorker(ctx, issuer, sender, cfg.PublicURL).WithRetryScale(retryScale))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{mail.Queue: {MaxWorkers: 2}},
		Workers: workers,
		// River's own lines: warnings and errors only, apart from ours.
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	o := &outbox{client: client}
	if sender == nil {
		log.Print(ctx, log.KV{K: "msg", V: "SMTP_URL is not set: mail is queued in the outbox and not sent"})
		return o, nil
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	o.started = true
	return o, nil
}

// stop lets the worker finish the messages it is sending.
func (o *outbox) stop(ctx context.Context) error {
	if !o.started {
		return nil
	}
	return o.client.Stop(ctx)
}
