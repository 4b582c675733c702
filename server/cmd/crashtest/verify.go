package main

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"time"

	"sesame/server/store"
)

// report gathers what happened and what the final checks found.
type report struct {
	mode string
	srv  *server
	load *load
	sink *sink

	kills        []time.Time // every SIGKILL, start-up ones included
	startupKills int
	readyMax     time.Duration
	readyTotal   time.Duration

	outageStart, outageEnd time.Time
	backlogDrained         time.Duration // outage: from the sink's return to the last accepted mail delivered

	loadEnd time.Time
	drained time.Duration // from the end of the load to an empty outbox
	took    time.Duration

	// Counts of the final checks.
	accepted, unanswered     int // 202 answers that queue a mail; such requests without answer
	linksUsable, superseded  int
	forgotten                int // links older than the store.Kept newest of their account
	linksUsed, codesVerified int
	lost                     int // accepted mails missing or unusable
	extra                    int // distinct mails beyond what was accepted or may have been
	changes, changesApplied  int // answered 200; without answer but in effect
	changesLost              int
	noticesLost              int
	reuses, reusesRefused    int // used tokens and codes tried again (all must fail)
	mails, duplicates        int
	retried                  int // delivery attempts that failed, counted by the last process
	dupMaxPerKill            int
	failures                 []string
}

func (r *report) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *report) losses() int { return r.lost + r.changesLost + r.noticesLost }

// ok: nothing lost, nothing failed, no answer the journeys cannot explain.
func (r *report) ok() bool {
	return r.losses() == 0 && len(r.failures) == 0 && len(r.load.oddities) == 0
}

// verify runs the final checks, the load stopped, the server and SMTP up.
func (r *report) verify(ctx context.Context, c *client) error {
	l := r.load
	// The outbox empties (each job deleted once its mail is accepted),
	// then what it sent must all be in the sink.
	dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for c.metric("sesame_mail_pending") != 0 {
		if dctx.Err() != nil {
			r.fail("the outbox still holds mail 2 minutes after the end of the load")
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.drained = time.Since(r.loadEnd)
	r.retried = c.metric("sesame_mail_retried_total")
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = l.waitDelivered(wctx, l.snapshot()) // what is missing then is counted below
	time.Sleep(time.Second)                 // a duplicate still on its way
	rng := mrand.New(mrand.NewPCG(1, 2))
	for _, a := range l.accounts {
		r.accepted += a.expected
		r.unanswered += a.uncertain
		if a.portal == "employeur" {
			r.checkLinks(c, a)
		} else {
			r.checkCodes(a, rng)
		}
		r.checkNotices(a)
		r.checkSignIn(c, a)
	}
	// Only now, the passwords checked: a used token that worked again
	// would change one.
	for _, a := range l.accounts {
		r.checkReuse(c, a, rng)
	}
	r.countDuplicates()
	return nil
}

// checkLinks: every distinct link mailed to a works, or was superseded by
// a newer request (or a password change), or was used by us; at most one
// works; there are at least as many as requests answered 202. The server
// keeps the records of an account's store.Kept newest links only: an older
// one may say "invalid" (what a crash loses is the newest commits).
func (r *report) checkLinks(c *client, a *account) {
	toks := r.sink.secrets(a.email, "reset_link") // oldest first
	usable := 0
	for i, tok := range toks {
		res, err := c.post(path(a.portal, "/recovery/link"), map[string]string{"token": tok})
		if err != nil {
			r.fail("%s: link check: %v", a.email, err)
			continue
		}
		switch code := res.problemCode(); {
		case res.status == http.StatusOK:
			usable++
		case res.status == http.StatusGone && code == "link_superseded":
			r.superseded++
		case res.status == http.StatusGone && code == "link_used" && usedBy(a, tok):
			r.linksUsed++
		case res.status == http.StatusGone && code == "link_invalid" && i < len(toks)-store.Kept:
			r.forgotten++
		default:
			r.lost++
			r.fail("%s: a mailed link answers %d %s", a.email, res.status, res.body)
		}
	}
	r.linksUsable += usable
	if usable > 1 {
		r.fail("%s: %d links work at once; only the newest may", a.email, usable)
	}
	if len(toks) < a.expected {
		r.lost += a.expected - len(toks)
		r.fail("%s: %d recovery requests answered 202, %d distinct links delivered", a.email, a.expected, len(toks))
	}
	if len(toks) > a.expected+a.uncertain {
		r.extra += len(toks) - a.expected - a.uncertain
	}
}

// usedBy reports whether tok was used in a password change of a, answered
// or not.
func usedBy(a *account, tok string) bool {
	return slices.ContainsFunc(a.changes, func(ch change) bool { return ch.token == tok })
}

// checkCodes: every code send answered 202 was proven by typing its code
// on its flow (during the load, or now for the last one).
func (r *report) checkCodes(a *account, rng *mrand.Rand) {
	if a.pending != nil {
		_ = r.load.tryCodes(rng, a, false)
	}
	r.codesVerified += len(a.verified)
	if len(a.verified) < a.expected {
		r.lost += a.expected - len(a.verified)
		why := ""
		if a.pending != nil {
			why = fmt.Sprintf(" (the last flow: %d wrong codes tried, %d code mails in all)", a.pending.tries, r.sink.count(a.email, "reset_code"))
		}
		r.fail("%s: %d code sends answered 202, %d codes accepted by their flow%s", a.ident, a.expected, len(a.verified), why)
	}
	if n := r.sink.count(a.email, "reset_code"); n < a.expected {
		r.fail("%s: %d code sends answered 202, %d code mails", a.ident, a.expected, n)
	}
}

// checkNotices: every change answered 200 has its notice.
func (r *report) checkNotices(a *account) {
	if n := r.sink.distinct(a.email, "password_changed"); n < a.notices {
		r.noticesLost += a.notices - n
		r.fail("%s: %d password changes answered 200, %d notices", a.ident, a.notices, n)
	}
}

// checkSignIn: the last password change answered 200 is in effect, unless
// a later change left without answer took effect instead.
func (r *report) checkSignIn(c *client, a *account) {
	candidates := []string{a.password}
	last := -1
	for i, ch := range a.changes {
		if ch.confirmed {
			last = i
			r.changes++
		}
	}
	for i := len(a.changes) - 1; i > last; i-- {
		candidates = append(candidates, a.changes[i].password)
	}
	for i, pw := range candidates {
		res, err := c.post(path(a.portal, "/session"), map[string]string{"identifier": a.ident, "password": pw})
		if err != nil {
			r.fail("%s: sign in: %v", a.ident, err)
			return
		}
		if res.status == http.StatusOK {
			if i > 0 {
				r.changesApplied++
			}
			return
		}
	}
	r.changesLost++
	r.fail("%s: no password works: neither the last change answered 200 nor a later one left without answer", a.ident)
}

// checkReuse: used tokens and codes never work again.
func (r *report) checkReuse(c *client, a *account, rng *mrand.Rand) {
	for _, tok := range a.used {
		pw := newPassword(rng)
		res, err := c.post(path(a.portal, "/recovery/link/password"), map[string]string{"token": tok, "password": pw, "confirm": pw})
		r.reuses++
		if err != nil || res.status != http.StatusGone {
			r.fail("%s: a used token, tried again, answers %d %s (%v)", a.ident, res.status, res.body, err)
			continue
		}
		r.reusesRefused++
	}
	for _, f := range a.verified {
		res, err := c.post(path(a.portal, "/recovery/flows/"+f.id+"/code"), map[string]string{"code": f.code}, "Cookie: "+f.cookie)
		r.reuses++
		if err != nil || res.status != http.StatusGone {
			r.fail("%s: a used code, typed again, answers %d %s (%v)", a.ident, res.status, res.body, err)
			continue
		}
		r.reusesRefused++
	}
}

// countDuplicates counts the mails delivered more than once, and the most
// that arrived between two kills (a crash's duplicates arrive after the
// restart that follows it). Two code sends to one account may draw the
// same code: a code accepted by n flows may arrive n times.
func (r *report) countDuplicates() {
	allowed := map[string]int{}
	for _, a := range r.load.accounts {
		for _, f := range a.verified {
			allowed[a.email+"\x00"+f.code]++
		}
	}
	msgs := r.sink.all()
	r.mails = len(msgs)
	arrived := map[string]int{}
	perKill := map[int]int{}
	for _, m := range msgs {
		key := m.to + "\x00" + string(m.digest[:])
		if m.kind == "reset_code" {
			key = m.to + "\x00" + m.secret
		}
		arrived[key]++
		if arrived[key] <= max(1, allowed[key]) {
			continue
		}
		r.duplicates++
		k, _ := slices.BinarySearchFunc(r.kills, m.at, func(a, b time.Time) int { return a.Compare(b) })
		perKill[k]++
		r.dupMaxPerKill = max(r.dupMaxPerKill, perKill[k])
	}
}

func (r *report) print(w io.Writer) {
	l := r.load
	fmt.Fprintln(w)
	switch r.mode {
	case "crash":
		fmt.Fprintf(w, "kills:            %d SIGKILLs (%d under load, %d while starting), %d starts, Badger opened and /readyz 200 after every one (longest %s, mean %s)\n",
			len(r.kills), len(r.kills)-r.startupKills, r.startupKills, r.srv.starts,
			r.readyMax.Round(time.Millisecond), (r.readyTotal / time.Duration(max(1, len(r.kills)-r.startupKills))).Round(time.Millisecond))
	case "outage":
		fmt.Fprintf(w, "SMTP outage:      %s under load; every mail accepted until the SMTP server came back delivered %s after it did\n",
			r.outageEnd.Sub(r.outageStart).Round(time.Millisecond), r.backlogDrained.Round(time.Millisecond))
	}
	pace := "as fast as the server answers"
	if l.rate > 0 {
		pace = fmt.Sprintf("at most %d a second", l.rate)
	}
	fmt.Fprintf(w, "requests:         %d sent by %d clients on %d accounts, %s\n", l.requests, l.workers, len(l.accounts), pace)
	fmt.Fprintf(w, "accepted:         %d requests answered 202 that queue a mail (employeur links, adherent codes); %d more left without answer by a kill\n", r.accepted, r.unanswered)
	dups := fmt.Sprintf("%d duplicates", r.duplicates)
	if r.mode == "crash" {
		dups += fmt.Sprintf(" (at most %d after one kill)", r.dupMaxPerKill)
	} else {
		dups += fmt.Sprintf(", %d failed attempts retried", r.retried)
	}
	fmt.Fprintf(w, "delivered:        %d mails, %s; outbox empty %s after the load stopped\n",
		r.mails, dups, r.drained.Round(time.Millisecond))
	fmt.Fprintf(w, "links:            %d usable, %d superseded by a newer request or a password change, %d used by our password changes, %d older than their account's %d newest (record deleted)\n", r.linksUsable, r.superseded, r.linksUsed, r.forgotten, store.Kept)
	fmt.Fprintf(w, "codes:            %d accepted by the flow that asked for them\n", r.codesVerified)
	fmt.Fprintf(w, "password changes: %d answered 200, %d of them in effect; %d more left without answer took effect\n", r.changes, r.changes-r.changesLost, r.changesApplied)
	fmt.Fprintf(w, "reuse:            %d used tokens and codes tried again, %d refused\n", r.reuses, r.reusesRefused)
	if r.extra > 0 {
		fmt.Fprintf(w, "note:             %d distinct links beyond the requests that may have queued one\n", r.extra)
	}
	for i, o := range l.oddities {
		if i == 20 {
			fmt.Fprintf(w, "FAIL:             … %d more odd answers\n", len(l.oddities)-i)
			break
		}
		fmt.Fprintln(w, "FAIL: odd answer:", o)
	}
	for _, f := range r.failures {
		fmt.Fprintln(w, "FAIL:            ", f)
	}
	verdict := "OK"
	if !r.ok() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "losses:           %d (mails %d, password changes %d, notices %d) — %s in %s\n",
		r.losses(), r.lost, r.changesLost, r.noticesLost, verdict, r.took.Round(time.Second))
}
