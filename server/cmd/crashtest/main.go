// Command crashtest checks, on the real server binary, DESIGN.md's promise
// "an accepted request is never lost, even if the process dies or the SMTP
// server is down".
//
//	crashtest -bin bin/sesame                # make crash-test
//	crashtest -bin bin/sesame -mode outage   # make outage-test
//
// It starts bin/sesame on a temporary data directory, with mail going to
// an SMTP sink of its own, imports employeur and adherent accounts, and
// puts the server under steady recovery load: employeur links asked,
// checked and used to set new passwords, adherent flows whose e-mailed
// code is typed on the page that asked for it. It notes every request
// answered 202 and every password change answered 200.
//
// In crash mode the server is killed with SIGKILL at random moments
// (-kills times, plus a few kills during start-up) and started again on the
// same data directory; each start must open Badger and answer /readyz. In
// outage mode the SMTP sink stops for -outage, then listens again on the
// same port; the test reports how long after that every accepted mail is
// delivered.
//
// At the end (server up, SMTP up) it checks that every 202 has its mail,
// delivered at least once: every link works (200) or says it was superseded
// by a newer request or used by us (410), every adherent code is accepted
// by its flow; every password change answered 200 is in effect (signing in
// with the new password works); no used token or code works again. It
// prints a summary and exits 1 on any loss.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type options struct {
	bin          string
	mode         string
	kills        int
	startupKills int
	minUp, maxUp time.Duration
	before       time.Duration // outage: load before the sink stops
	outage       time.Duration
	after        time.Duration // outage: load after the sink is back
	accounts     int
	workers      int
	rate         int
	seed         uint64
	limit        time.Duration
	keep         bool
	out          io.Writer // the progress lines and the summary
}

func main() {
	o := options{out: os.Stdout}
	flag.StringVar(&o.bin, "bin", "bin/sesame", "the server binary (make server)")
	flag.StringVar(&o.mode, "mode", "crash", "crash (SIGKILLs under load) or outage (SMTP down under load)")
	flag.IntVar(&o.kills, "kills", 20, "crash: SIGKILLs under load")
	flag.IntVar(&o.startupKills, "startup-kills", 3, "crash: extra SIGKILLs while the server starts (Badger opening)")
	flag.DurationVar(&o.minUp, "min-up", time.Second, "crash: shortest run under load before a kill")
	flag.DurationVar(&o.maxUp, "max-up", 4*time.Second, "crash: longest run under load before a kill")
	flag.DurationVar(&o.before, "before", 5*time.Second, "outage: load before the SMTP sink stops")
	flag.DurationVar(&o.outage, "outage", 20*time.Second, "outage: how long the SMTP sink is down")
	flag.DurationVar(&o.after, "after", 5*time.Second, "outage: load after the SMTP sink is back")
	flag.IntVar(&o.accounts, "accounts", 32, "accounts, half employeur, half adherent")
	flag.IntVar(&o.workers, "workers", 8, "concurrent clients, each with its own accounts")
	flag.IntVar(&o.rate, "rate", -1, "requests a second, all clients together; 0: as fast as the server answers (default: 0 in crash mode, 100 in outage mode)")
	flag.Uint64Var(&o.seed, "seed", uint64(time.Now().UnixNano()), "random seed (printed, to replay the same choices)")
	flag.DurationVar(&o.limit, "limit", 5*time.Minute, "give up after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory and the server log")
	flag.Parse()
	if o.mode != "crash" && o.mode != "outage" || o.workers < 1 || o.accounts < 2*o.workers || o.maxUp < o.minUp {
		fmt.Fprintln(os.Stderr, "crashtest: bad flags (see -h)")
		os.Exit(2)
	}
	if o.rate < 0 {
		o.rate = map[string]int{"crash": 0, "outage": 100}[o.mode]
	}
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(o options) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.limit)
	defer cancel()
	t0 := time.Now()
	fmt.Fprintf(o.out, "crashtest -mode %s -seed %d\n", o.mode, o.seed)
	dir, err := os.MkdirTemp("", "sesame-crashtest-")
	if err != nil {
		return false, err
	}
	defer func() {
		if o.keep {
			fmt.Fprintln(o.out, "data directory and server log kept in", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return false, err
	}
	k := &sink{}
	if err := k.start(); err != nil {
		return false, err
	}
	defer k.stop()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	srv, err := newServer(bin, dir, k.url(), hex.EncodeToString(secret))
	if err != nil {
		return false, err
	}
	defer func() { srv.kill(); srv.log.Close() }()
	if err := srv.start(); err != nil {
		return false, err
	}
	if _, err := srv.waitReady(ctx, 30*time.Second); err != nil {
		return false, err
	}
	c := newClient(srv.base())
	rng := mrand.New(mrand.NewPCG(o.seed, 0))
	accounts, err := importAccounts(c, rng, o.accounts)
	if err != nil {
		return false, err
	}
	l := &load{c: c, k: k, accounts: accounts, workers: o.workers, seed: o.seed, rate: o.rate}
	r := &report{mode: o.mode, srv: srv, load: l, sink: k}
	l.start()
	if o.mode == "crash" {
		err = crash(ctx, o, rng, srv, r)
	} else {
		err = outage(ctx, o, k, l, r)
	}
	l.stop()
	if err != nil {
		return false, err
	}
	if srv.died() {
		return false, fmt.Errorf("the server exited by itself: %s", srv.tail())
	}
	r.loadEnd = time.Now()
	if err := r.verify(ctx, c); err != nil {
		return false, err
	}
	r.took = time.Since(t0)
	r.print(o.out)
	if log, _ := os.ReadFile(srv.log.Name()); strings.Contains(string(log), "panic:") {
		fmt.Fprintln(o.out, "FAIL: the server log holds a panic:", srv.tail())
		return false, nil
	}
	return r.ok(), nil
}

// importAccounts creates the test accounts through the admin endpoint.
func importAccounts(c *client, rng *mrand.Rand, n int) ([]*account, error) {
	var list []*account
	var body []map[string]any
	for i := range n {
		a := &account{portal: "employeur", password: newPassword(rng), seen: map[string]bool{}}
		if i%2 == 0 {
			a.email = fmt.Sprintf("crash.e%02d@example.fr", i)
			a.ident = a.email
		} else {
			a.portal, a.email, a.ident = "adherent", fmt.Sprintf("crash.a%02d@example.org", i), fmt.Sprintf("7700%04d", i)
		}
		m := map[string]any{"portal": a.portal, "email": a.email, "email_verified": true, "password": a.password}
		if a.portal == "adherent" {
			m["member_number"] = a.ident
		}
		list, body = append(list, a), append(body, m)
	}
	r, err := c.post("/api/v1/admin/accounts", body, "Authorization: Bearer "+adminToken)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusCreated {
		return nil, fmt.Errorf("import: %d %s", r.status, r.body)
	}
	// The generated passwords must pass both policies, or every change
	// would be refused.
	for _, p := range []string{"employeur", "adherent"} {
		pw := newPassword(rng)
		r, err := c.post(path(p, "/password-check"), map[string]any{"password": pw, "confirm": pw,
			"context": map[string]string{"identifier": "crash.e00@example.fr", "email": "crash.a01@example.org", "member_number": "77000001"}})
		if err != nil || r.status != http.StatusOK || !strings.Contains(string(r.body), `"ok":true`) {
			return nil, fmt.Errorf("the %s policy refuses %q: %v %s", p, pw, err, r.body)
		}
	}
	return list, nil
}

// crash kills the server under load, and starts it again, o.kills times.
func crash(ctx context.Context, o options, rng *mrand.Rand, srv *server, r *report) error {
	early := map[int]bool{}
	for len(early) < min(o.startupKills, o.kills) {
		early[rng.IntN(o.kills)] = true
	}
	for i := range o.kills {
		up := o.minUp + time.Duration(rng.Int64N(int64(o.maxUp-o.minUp)+1))
		select {
		case <-ctx.Done():
			return fmt.Errorf("out of time after %d kills", i)
		case <-time.After(up):
		}
		if srv.died() {
			return fmt.Errorf("the server exited by itself: %s", srv.tail())
		}
		srv.kill()
		r.kills = append(r.kills, time.Now())
		if early[i] {
			// Once more while it opens Badger and replays its log.
			if err := srv.start(); err != nil {
				return err
			}
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			srv.kill()
			r.startupKills++
			r.kills = append(r.kills, time.Now())
		}
		if err := srv.start(); err != nil {
			return err
		}
		ready, err := srv.waitReady(ctx, 30*time.Second)
		if err != nil {
			return fmt.Errorf("after kill %d: %w", i+1, err)
		}
		r.readyMax = max(r.readyMax, ready)
		r.readyTotal += ready
		fmt.Fprintf(o.out, "kill %2d/%d after %4.1f s under load; ready again in %s\n", i+1, o.kills, up.Seconds(), ready.Round(time.Millisecond))
	}
	time.Sleep(o.minUp) // some load on the last start too
	return nil
}

// outage stops the SMTP sink under load, starts it again on the same
// port, and measures how long the backlog takes to be delivered.
func outage(ctx context.Context, o options, k *sink, l *load, r *report) error {
	sleep := func(d time.Duration) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
			return nil
		}
	}
	if err := sleep(o.before); err != nil {
		return err
	}
	k.stop()
	r.outageStart = time.Now()
	fmt.Fprintf(o.out, "SMTP sink stopped for %s under load\n", o.outage)
	if err := sleep(o.outage); err != nil {
		return err
	}
	accepted := l.snapshot() // every mail accepted while SMTP was down, and before
	if err := k.start(); err != nil {
		return fmt.Errorf("restarting the sink on %s: %w", k.addr, err)
	}
	r.outageEnd = time.Now()
	fmt.Fprintf(o.out, "SMTP sink listening again on %s\n", k.addr)
	drained := make(chan error, 1)
	go func() {
		dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		err := l.waitDelivered(dctx, accepted)
		r.backlogDrained = time.Since(r.outageEnd)
		drained <- err
	}()
	if err := sleep(o.after); err != nil {
		return err
	}
	if err := <-drained; err != nil {
		return errors.New("the mail accepted before the SMTP server came back was not all delivered within 3 minutes")
	}
	return nil
}
