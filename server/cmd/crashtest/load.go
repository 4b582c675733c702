package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"sesame/server/store"
)

// account is one test account and what the test knows happened to it.
// Only its worker acts on it during the load, under mu.
type account struct {
	mu     sync.Mutex
	portal string // "employeur" (e-mail link) or "adherent" (e-mail code)
	ident  string // what signs in: the e-mail or the member number
	email  string

	// expected counts the 202 answers that queue a mail (employeur
	// recovery, adherent code send); uncertain the same requests left
	// without an answer by a kill, which may or may not have queued one.
	expected, uncertain int
	password            string   // the initial one, then the last change answered 200
	changes             []change // every password change tried, in order
	lastChange          time.Time
	notices             int             // changes answered 200: each queues a notice
	seen                map[string]bool // tokens and codes of mails already handled
	handled             int             // adherent: code mails already considered
	used                []string        // tokens used by a password change answered 200
	pending             *flow           // adherent: a code sent (202), not yet proven
	verified            []flow          // adherent: flows whose code was accepted
}

type change struct {
	password  string
	token     string
	confirmed bool // answered 200; otherwise no answer (killed)
}

// flow is an adherent recovery whose code was sent.
type flow struct {
	id, cookie string
	code       string // the code that worked
	tries      int    // wrong codes tried on it
	unanswered string // a code tried without answer (it may have been used up)
}

// newPassword is accepted by both portals' policies: upper and lower case,
// two digits, a special character among employeur's, no context word.
func newPassword(r *rand.Rand) string {
	b := []byte("Tilleul")
	for range 6 {
		b = append(b, byte('a'+r.IntN(26)))
	}
	return fmt.Sprintf("%s#%02dQ", b, r.IntN(100))
}

// load runs workers, each on its own accounts, until stopped.
type load struct {
	c        *client
	k        *sink
	accounts []*account
	workers  int
	seed     uint64
	rate     int // requests a second, all workers together; 0: no limit

	ticks chan struct{} // one per request allowed, when rate > 0

	stopc    chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	requests int
	oddities []string // answers no journey explains
}

func (l *load) start() {
	l.stopc = make(chan struct{})
	if l.rate > 0 {
		l.ticks = make(chan struct{})
		go func() {
			t := time.NewTicker(time.Second / time.Duration(l.rate))
			defer t.Stop()
			for {
				select {
				case <-l.stopc:
					close(l.ticks)
					return
				case <-t.C:
					select {
					case l.ticks <- struct{}{}:
					case <-l.stopc:
						close(l.ticks)
						return
					}
				}
			}
		}()
	}
	for w := range l.workers {
		var mine []*account // pairs: an employeur and an adherent account
		for i := 2 * w; i < len(l.accounts); i += 2 * l.workers {
			mine = append(mine, l.accounts[i:min(i+2, len(l.accounts))]...)
		}
		rng := rand.New(rand.NewPCG(l.seed, uint64(w)))
		l.wg.Go(func() { l.work(rng, mine) })
	}
}

func (l *load) stop() {
	close(l.stopc)
	l.wg.Wait()
}

func (l *load) work(rng *rand.Rand, mine []*account) {
	for {
		select {
		case <-l.stopc:
			return
		default:
		}
		a := mine[rng.IntN(len(mine))]
		a.mu.Lock()
		var err error
		if a.portal == "employeur" {
			err = l.employeur(rng, a)
		} else {
			err = l.adherent(rng, a)
		}
		a.mu.Unlock()
		switch {
		case errors.Is(err, errNotSent):
			time.Sleep(50 * time.Millisecond) // the server is down
		case errors.Is(err, errIdle):
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// errIdle says an account had nothing to do: its code has not arrived.
var errIdle = errors.New("nothing to do")

func (l *load) odd(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.oddities = append(l.oddities, fmt.Sprintf(format, args...))
}

// count paces and counts one request.
func (l *load) count() {
	if l.ticks != nil {
		<-l.ticks
	}
	l.mu.Lock()
	l.requests++
	l.mu.Unlock()
}

func path(portal, rest string) string { return "/api/v1/portals/" + portal + rest }

// employeur asks for a link, or uses one that arrived: checks it and, now
// and then, sets a new password with it.
func (l *load) employeur(rng *rand.Rand, a *account) error {
	all := l.k.secrets(a.email, "reset_link") // oldest first
	unseen := unseenOf(all, a.seen)
	if len(unseen) == 0 || rng.IntN(2) == 0 {
		l.count()
		r, err := l.c.post(path(a.portal, "/recovery"), map[string]string{"email": a.email})
		switch {
		case errors.Is(err, errNotSent):
		case err != nil:
			a.uncertain++
		case r.status == http.StatusAccepted:
			a.expected++
		default:
			l.odd("%s: recovery answered %d %s", a.email, r.status, r.body)
		}
		return err
	}
	for i := len(unseen) - 1; i >= 0; i-- { // the newest first
		tok := unseen[i]
		l.count()
		r, err := l.c.post(path(a.portal, "/recovery/link"), map[string]string{"token": tok})
		if err != nil {
			return err
		}
		a.seen[tok] = true
		switch {
		case r.status == http.StatusOK:
			if mayChange(rng, a) {
				return l.setPassword(rng, a, tok)
			}
			return nil
		case r.problemCode() == "link_invalid" && slices.Index(all, tok) < a.expected+a.uncertain-store.Kept:
			// Older than the account's store.Kept newest links (some
			// perhaps not delivered yet): its record was deleted.
		case r.status != http.StatusGone || r.problemCode() == "link_invalid" || r.problemCode() == "link_expired":
			l.odd("%s: a mailed link answers %d %s", a.email, r.status, r.body)
		}
	}
	return nil
}

// mayChange: a password changes at most once a minute per account, so that
// two notices never read the same (they give the minute of the change).
func mayChange(rng *rand.Rand, a *account) bool {
	return time.Since(a.lastChange) > 61*time.Second && rng.IntN(3) > 0
}

// setPassword uses tok, a link's or a code's, to set a new password.
func (l *load) setPassword(rng *rand.Rand, a *account, tok string) error {
	pw := newPassword(rng)
	l.count()
	a.lastChange = time.Now()
	r, err := l.c.post(path(a.portal, "/recovery/link/password"), map[string]string{"token": tok, "password": pw, "confirm": pw})
	switch {
	case errors.Is(err, errNotSent):
	case err != nil:
		a.changes = append(a.changes, change{password: pw, token: tok})
	case r.status == http.StatusOK:
		a.changes = append(a.changes, change{password: pw, token: tok, confirmed: true})
		a.password = pw
		a.notices++
		a.used = append(a.used, tok)
	default:
		l.odd("%s: password change answered %d %s", a.ident, r.status, r.body)
	}
	return err
}

// adherent opens a flow and has its code sent; then, once the code has
// arrived, types it on that flow (the page that asked for it) and, now
// and then, sets a new password with the token it gives.
func (l *load) adherent(rng *rand.Rand, a *account) error {
	if a.pending != nil {
		return l.tryCodes(rng, a, true)
	}
	l.count()
	r, err := l.c.post(path(a.portal, "/recovery"), map[string]string{"member_number": a.ident})
	if err != nil {
		return err
	}
	var acc struct {
		FlowID string `json:"flow_id"`
	}
	cookie := r.cookie("sesame_flow")
	if r.status != http.StatusAccepted || json.Unmarshal(r.body, &acc) != nil || acc.FlowID == "" || cookie == "" {
		l.odd("%s: recovery answered %d %s", a.ident, r.status, r.body)
		return nil
	}
	l.count()
	r, err = l.c.post(path(a.portal, "/recovery/flows/"+acc.FlowID+"/send"), nil, "Cookie: "+cookie)
	switch {
	case errors.Is(err, errNotSent):
	case err != nil:
		a.uncertain++
	case r.status == http.StatusAccepted:
		a.expected++
		a.pending = &flow{id: acc.FlowID, cookie: cookie}
	default:
		l.odd("%s: code send answered %d %s", a.ident, r.status, r.body)
	}
	return err
}

// tryCodes types, on the pending flow, the codes of the mails that arrived
// since the last try: values never seen before first (the newest first),
// then values an earlier mail carried (two sends may draw the same code,
// and a duplicate repeats an old one). A code from a send that got no
// answer is wrong there and costs a try; a flow allows 5.
func (l *load) tryCodes(rng *rand.Rand, a *account, change bool) error {
	f := a.pending
	msgs := l.k.codes(a.email)
	var fresh, again []string
	for i := len(msgs) - 1; i >= a.handled; i-- {
		c := msgs[i]
		switch {
		case c == "" || c == f.unanswered || slices.Contains(fresh, c) || slices.Contains(again, c):
		case a.seen[c]:
			again = append(again, c)
		default:
			fresh = append(fresh, c)
		}
	}
	candidates := append(fresh, again...)
	if f.unanswered != "" {
		// Tried without answer: it may have been used up, then 410 says so.
		candidates = append([]string{f.unanswered}, candidates...)
	}
	if len(candidates) == 0 {
		return errIdle
	}
	for _, code := range candidates {
		if f.tries >= 4 {
			break
		}
		l.count()
		r, err := l.c.post(path(a.portal, "/recovery/flows/"+f.id+"/code"), map[string]string{"code": code}, "Cookie: "+f.cookie)
		switch {
		case errors.Is(err, errNotSent):
			return err
		case err != nil:
			a.seen[code], f.unanswered = true, code
			return err
		}
		a.seen[code] = true
		switch r.status {
		case http.StatusOK:
			var ok struct {
				Token string `json:"token"`
			}
			_ = json.Unmarshal(r.body, &ok)
			f.code, f.unanswered = code, ""
			a.verified, a.pending, a.handled = append(a.verified, *f), nil, len(msgs)
			if change && ok.Token != "" && mayChange(rng, a) {
				return l.setPassword(rng, a, ok.Token)
			}
			return nil
		case http.StatusUnprocessableEntity:
			f.tries++
		case http.StatusGone:
			if code == f.unanswered {
				// Used up by the try that got no answer: it was right.
				f.code, f.unanswered = code, ""
				a.verified, a.pending, a.handled = append(a.verified, *f), nil, len(msgs)
				return nil
			}
			l.odd("%s: the flow of a code sent answers %d %s", a.ident, r.status, r.body)
			a.pending = nil
			return nil
		default:
			l.odd("%s: code answered %d %s", a.ident, r.status, r.body)
		}
		if code == f.unanswered {
			f.unanswered = ""
		}
	}
	a.handled = len(msgs)
	return nil
}

func unseenOf(all []string, seen map[string]bool) []string {
	var out []string
	for _, s := range all {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// snapshot is, per account, how many mails had been accepted at one
// moment: links or codes, and notices.
type snapshot map[*account][2]int

func (l *load) snapshot() snapshot {
	s := snapshot{}
	for _, a := range l.accounts {
		a.mu.Lock()
		s[a] = [2]int{a.expected, a.notices}
		a.mu.Unlock()
	}
	return s
}

// delivered reports whether every mail accepted by the snapshot is in the
// sink: as many distinct links and notices, as many code mails (two sends
// may draw the same code, so codes are counted, and proven one by one
// later by typing them).
func (l *load) delivered(s snapshot) bool {
	for a, n := range s {
		got := l.k.distinct(a.email, "reset_link")
		if a.portal == "adherent" {
			got = l.k.count(a.email, "reset_code")
		}
		if got < n[0] || l.k.distinct(a.email, "password_changed") < n[1] {
			return false
		}
	}
	return true
}

// waitDelivered polls until delivered(s) or ctx ends.
func (l *load) waitDelivered(ctx context.Context, s snapshot) error {
	for !l.delivered(s) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}
