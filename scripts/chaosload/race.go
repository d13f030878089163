package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// mfaUser is a user with TOTP on, and the backup codes not raced yet.
type mfaUser struct {
	email    string
	secret   []byte
	codes    []string
	next     int
	lastStep int64 // the last TOTP step the service accepted for it
}

// races enrolls MFA users one after the other and races their backup
// codes and TOTP steps from -racers clients until ctx ends.
func (l *load) races(ctx context.Context) {
	var (
		u     *mfaUser
		users []*mfaUser // every enrolled user: each may race one TOTP step per 30 s
	)
	for n := 0; ctx.Err() == nil; n++ {
		if u == nil || u.next >= len(u.codes) {
			if u = l.enroll(ctx, n); u == nil {
				sleep(ctx, time.Second)
				continue
			}
			users = append(users, u)
		}
		if tokens := l.signIn(ctx, u); len(tokens) > 1 {
			code := u.codes[u.next]
			u.next++
			l.race(ctx, tokens, "backup", fmt.Sprintf("%s/%d", u.email, u.next), "/auth/backup/verify", code)
		}
		step := time.Now().Unix() / 30
		for _, v := range users {
			if step <= v.lastStep {
				continue
			}
			if tokens := l.signIn(ctx, v); len(tokens) > 1 {
				v.lastStep = step
				l.race(ctx, tokens, "totp", fmt.Sprintf("%s/%d", v.email, step), "/auth/totp/verify", totp(v.secret, step))
			}
			break
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// enroll registers a user and turns TOTP on; nil when a step failed (the
// failure is recorded).
func (l *load) enroll(ctx context.Context, n int) *mfaUser {
	u := &mfaUser{email: fmt.Sprintf("mfa-%s-%d@example.com", l.run, n)}
	t := time.Now()
	fail := func(what string, a answer, want int) *mfaUser {
		if ctx.Err() == nil {
			l.rec.add(event{T: ms(t), Dur: since(t), Kind: "enroll", Fail: what + ": " + a.outcome(want)})
		}
		return nil
	}
	a := l.do(ctx, "POST", l.o.httpURL+"/auth/register", "", map[string]string{"email": u.email, "password": password})
	if a.outcome(http.StatusCreated) != "" {
		return fail("register", a, http.StatusCreated)
	}
	token := a.token
	a = l.do(ctx, "POST", l.o.httpURL+"/auth/totp/generate", token, nil)
	var gen struct{ Secret string }
	if a.outcome(http.StatusOK) != "" || json.Unmarshal(a.body, &gen) != nil {
		return fail("totp/generate", a, http.StatusOK)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(gen.Secret))
	if err != nil {
		a.err = err
		return fail("totp secret", a, http.StatusOK)
	}
	u.secret, u.lastStep = secret, time.Now().Unix()/30
	a = l.do(ctx, "POST", l.o.httpURL+"/auth/totp/verify", token, map[string]string{"code": totp(secret, u.lastStep)})
	var ver struct {
		BackupCodes []string `json:"backup_codes"`
	}
	if a.outcome(http.StatusOK) != "" || json.Unmarshal(a.body, &ver) != nil || len(ver.BackupCodes) == 0 {
		return fail("totp/verify", a, http.StatusOK)
	}
	u.codes = ver.BackupCodes
	l.rec.add(event{T: ms(t), Dur: since(t), Kind: "enroll"})
	return u
}

// signIn logs -racers clients in as u with the password: aal1 sessions.
func (l *load) signIn(ctx context.Context, u *mfaUser) []string {
	var (
		mu     sync.Mutex
		tokens []string
		wg     sync.WaitGroup
	)
	for range l.o.racers {
		wg.Go(func() {
			t := time.Now()
			a := l.do(ctx, "POST", l.o.httpURL+"/auth/login", "", map[string]string{"email": u.email, "password": password})
			o := a.outcome(http.StatusOK)
			if ctx.Err() != nil {
				return
			}
			l.rec.add(event{T: ms(t), Dur: since(t), Kind: "login", Fail: o})
			if o == "" && a.token != "" {
				mu.Lock()
				tokens = append(tokens, a.token)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return tokens
}

// race sends the same code from every session at once: 200 wins, 401 is
// a lost race, anything else a failure.
func (l *load) race(ctx context.Context, tokens []string, kind, key, path, code string) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, token := range tokens {
		wg.Go(func() {
			<-start
			t := time.Now()
			a := l.do(ctx, "POST", l.o.httpURL+path, token, map[string]string{"code": code})
			e := event{T: ms(t), Kind: kind, Key: key}
			switch {
			case a.err == nil && a.status == http.StatusOK:
				e.Won = true
			case a.err == nil && a.status == http.StatusUnauthorized:
				// The code was taken by another client: the right answer.
			default:
				if ctx.Err() != nil {
					return
				}
				e.Fail = a.outcome(http.StatusOK)
			}
			e.Dur = since(t)
			l.rec.add(e)
		})
	}
	close(start)
	wg.Wait()
}

// totp is the RFC 6238 code of step (SHA-1, 6 digits, 30 s).
func totp(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}
