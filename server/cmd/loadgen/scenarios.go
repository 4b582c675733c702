package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"sesame/shared/api"
)

// A scenario prepares the server (accounts, tokens) and returns the
// workload of the steady phase. Adding one is adding an entry to
// scenarios.
type scenario struct {
	about string
	setup func(ctx context.Context, h *harness) (workload, error)
	// preloaded: the scenario can run against a -data-dir seeded by -seed,
	// whose accounts are already there.
	preloaded bool
}

// workload is what every client repeats: op, expecting status want.
type workload struct {
	op       func(ctx context.Context, u *user) (int, error)
	want     int
	accounts int // accounts the operations draw from
	// requests is how many HTTP requests one operation makes (1 for most);
	// steps names the parts of an operation timed on their own.
	requests int
	steps    []string
	cookies  bool    // each client keeps its own cookies (sessions, flows)
	mails    float64 // mails one operation queues
	supply   int     // operations possible at most (one token each); 0: no bound
	// perUser: user i always works on account i, so there must be at
	// least as many accounts as clients.
	perUser bool
}

// errExhausted ends a client's run when the workload's supply is spent.
var errExhausted = errors.New("supply exhausted")

var scenarios = map[string]scenario{
	"recovery-employeur": {
		about:     "POST /recovery on employeur with the e-mail of a known account: a reset link is issued and its mail queued",
		setup:     setupRecoveryEmployeur,
		preloaded: true,
	},
	"recovery-assure": {
		about: "POST /recovery on assure with the NIR, birth date and e-mail of a known account: a reset link is issued and its mail queued",
		setup: setupRecoveryAssure,
	},
	"recovery-adherent": {
		about: "on adherent, POST /recovery with the member number of a known account (a flow bound to the client's cookie), then POST /recovery/flows/{id}/send: a code is issued and its mail queued; one operation is both requests",
		setup: setupRecoveryAdherent,
	},
	"link-check": {
		about:     "POST /recovery/link on employeur with a live reset link collected by the SMTP sink (or, with -data-dir, written by -seed): the link is checked, not used",
		setup:     setupLinkCheck,
		preloaded: true,
	},
	"password-set": {
		about: "POST /recovery/link/password on employeur with a fresh reset link collected by the SMTP sink, each used once: the policy is checked, the password hashed (one Argon2id; the accounts have no password yet, so no verification of the old one) and the notification queued",
		setup: setupPasswordSet,
	},
	"sign-in": {
		about:     "POST /session on employeur with the right password (at most 64 accounts: each import costs an Argon2id hash, each sign-in a verification; with -data-dir, every seeded account)",
		setup:     setupSignIn,
		preloaded: true,
	},
	"change-password": {
		about: "on employeur, each client with its own account: POST /session, POST /account/password/code, wait for the code at the SMTP sink, POST /account/password (code, current, new): one operation is the whole journey, three requests and three Argon2id computations (sign-in verification, current-password verification, new hash)",
		setup: setupChangePassword,
	},
}

// harness is what a scenario's setup may use.
type harness struct {
	base      string // http://host:port
	admin     string // admin bearer token
	client    *http.Client
	sink      *sink
	accounts  int
	users     int  // concurrent clients
	preloaded bool // the accounts are already in the database (-data-dir)
	tokens    string
	progress  io.Writer
}

// user is one simulated client: its own HTTP client (and cookies when the
// workload needs them), random source and state.
type user struct {
	id   int
	base string
	http *http.Client
	rng  *rand.Rand
	sink *sink
	// steps receives the time of each step while the operation is
	// measured; nil otherwise.
	steps map[string]*histogram
	// change-password: which of the two bench passwords is current.
	pw int
}

// timed records the time since t0 under step, when measuring.
func (u *user) timed(step string, t0 time.Time) {
	if u.steps == nil {
		return
	}
	h := u.steps[step]
	if h == nil {
		h = new(histogram)
		u.steps[step] = h
	}
	h.record(time.Since(t0))
}

// Bench passwords. They pass the employeur policy for every bench account
// (a test checks it); change-password alternates between them.
var benchPasswords = [2]string{"Bench12!pw", "Bench34?pw"}

const benchPassword = "Bench12!pw"

func employeurEmail(i int) string { return "user" + strconv.Itoa(i) + "@bench.example" }

func employeurAccounts(n int, password *string) []api.Account {
	out := make([]api.Account, n)
	for i := range out {
		out[i] = api.Account{Portal: "employeur", Email: employeurEmail(i), EmailVerified: true, Password: password}
	}
	return out
}

func portalPath(portal, rest string) string { return api.Prefix + "/portals/" + portal + rest }

func recoveryPath(portal string) string { return portalPath(portal, "/recovery") }

// postRandom is the one-request operation: POST path with body(i) for an
// i drawn at random below n.
func postRandom(path string, n int, body func(i int) []byte) func(context.Context, *user) (int, error) {
	return func(ctx context.Context, u *user) (int, error) {
		return post(ctx, u.http, u.base+path, body(u.rng.IntN(n)))
	}
}

func setupRecoveryEmployeur(ctx context.Context, h *harness) (workload, error) {
	if !h.preloaded {
		if err := h.importAccounts(ctx, employeurAccounts(h.accounts, nil), 500); err != nil {
			return workload{}, err
		}
	}
	return workload{
		op: postRandom(recoveryPath("employeur"), h.accounts, func(i int) []byte {
			return mustJSON(api.RecoveryRequest{Email: employeurEmail(i)})
		}),
		want: http.StatusAccepted, accounts: h.accounts, mails: 1,
	}, nil
}

// benchNIR returns a valid NIR and the birth date (YYYY-MM-DD) it was
// issued for, distinct for every i below 89,910,000 (far above
// maxAccounts): department, commune and order number count i.
func benchNIR(i int) (nir, birth string) {
	b := time.Date(1950+i%50, time.Month(1+(i/50)%12), 1+(i/600)%28, 0, 0, 0, 0, time.UTC)
	sex := 1 + i%2
	order := i%999 + 1
	commune := (i / 999) % 1000
	dept := 10 + i/999000
	first := fmt.Sprintf("%d%02d%02d%02d%03d%03d", sex, b.Year()%100, int(b.Month()), dept, commune, order)
	n, _ := strconv.ParseUint(first, 10, 64)
	return fmt.Sprintf("%s%02d", first, 97-n%97), b.Format(time.DateOnly)
}

func assureEmail(i int) string { return "assure" + strconv.Itoa(i) + "@bench.example" }

func setupRecoveryAssure(ctx context.Context, h *harness) (workload, error) {
	accounts := make([]api.Account, h.accounts)
	bodies := make([][]byte, h.accounts)
	for i := range accounts {
		nir, birth := benchNIR(i)
		accounts[i] = api.Account{Portal: "assure", NIR: nir, Birthdate: birth, Email: assureEmail(i), EmailVerified: true}
		bodies[i] = mustJSON(api.RecoveryRequest{NIR: nir, Birthdate: birth, Email: assureEmail(i)})
	}
	if err := h.importAccounts(ctx, accounts, 500); err != nil {
		return workload{}, err
	}
	return workload{
		op:   postRandom(recoveryPath("assure"), h.accounts, func(i int) []byte { return bodies[i] }),
		want: http.StatusAccepted, accounts: h.accounts, mails: 1,
	}, nil
}

// memberNumber is adherent account i's number: 8 digits, distinct below
// 90,000,000.
func memberNumber(i int) string { return strconv.Itoa(10_000_000 + i) }

func adherentEmail(i int) string { return "adherent" + strconv.Itoa(i) + "@bench.example" }

func setupRecoveryAdherent(ctx context.Context, h *harness) (workload, error) {
	accounts := make([]api.Account, h.accounts)
	for i := range accounts {
		accounts[i] = api.Account{Portal: "adherent", MemberNumber: memberNumber(i), Email: adherentEmail(i), EmailVerified: true}
	}
	if err := h.importAccounts(ctx, accounts, 500); err != nil {
		return workload{}, err
	}
	return workload{
		op: adherentRecovery(h.accounts), want: http.StatusAccepted, accounts: h.accounts, mails: 1,
		requests: 2, steps: []string{"recovery", "send"}, cookies: true,
	}, nil
}

// collectLinks asks one reset link for each of the first n employeur
// accounts and returns the links the SMTP sink received.
func (h *harness) collectLinks(ctx context.Context, n int) ([]string, error) {
	h.sink.capture.Store(true)
	defer h.sink.capture.Store(false)
	asks := make([][]byte, n)
	for i := range asks {
		asks[i] = mustJSON(api.RecoveryRequest{Email: employeurEmail(i)})
	}
	if err := h.postAll(ctx, recoveryPath("employeur"), asks, http.StatusAccepted, 8); err != nil {
		return nil, err
	}
	start := time.Now()
	for h.sink.tokenCount() < n {
		if time.Since(start) > 3*time.Minute {
			return nil, fmt.Errorf("the sink received %d of %d reset links in 3 minutes", h.sink.tokenCount(), n)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(h.progress, "loadgen: %d reset links collected by the sink in %s\n", n, time.Since(start).Round(time.Millisecond))
	return h.sink.tokenList(), nil
}

// setupLinkCheck asks one reset link per account, lets the SMTP sink
// collect them, then checks those links. Against a seeded -data-dir it
// checks the sample of links -seed wrote to -tokens-file.
func setupLinkCheck(ctx context.Context, h *harness) (workload, error) {
	var tokens []string
	var err error
	if h.preloaded {
		tokens, err = readTokens(h.tokens)
	} else {
		if err = h.importAccounts(ctx, employeurAccounts(h.accounts, nil), 500); err == nil {
			tokens, err = h.collectLinks(ctx, h.accounts)
		}
	}
	if err != nil {
		return workload{}, fmt.Errorf("link-check: %w", err)
	}
	return workload{
		op: postRandom(recoveryPath("employeur")+"/link", len(tokens), func(i int) []byte {
			return mustJSON(api.LinkCheck{Token: tokens[i]})
		}),
		want: http.StatusOK, accounts: len(tokens),
	}, nil
}

// setupPasswordSet collects one reset link per account: the supply of the
// run, each link used once.
func setupPasswordSet(ctx context.Context, h *harness) (workload, error) {
	if err := h.importAccounts(ctx, employeurAccounts(h.accounts, nil), 500); err != nil {
		return workload{}, err
	}
	tokens, err := h.collectLinks(ctx, h.accounts)
	if err != nil {
		return workload{}, fmt.Errorf("password-set: %w", err)
	}
	return workload{
		op: passwordSet(tokens, benchPassword), want: http.StatusOK, accounts: len(tokens), supply: len(tokens), mails: 1,
	}, nil
}

func setupSignIn(ctx context.Context, h *harness) (workload, error) {
	n := min(h.accounts, 64)
	pw := benchPassword
	if h.preloaded {
		n = h.accounts
	} else if err := h.importAccounts(ctx, employeurAccounts(n, &pw), 8); err != nil {
		return workload{}, err
	}
	return workload{
		op: postRandom(portalPath("employeur", "/session"), n, func(i int) []byte {
			return mustJSON(api.SignIn{Identifier: employeurEmail(i), Password: pw})
		}),
		want: http.StatusOK, accounts: n,
	}, nil
}

// setupChangePassword gives each client its own account, so that no two
// journeys race on one password.
func setupChangePassword(ctx context.Context, h *harness) (workload, error) {
	n := h.users
	pw := benchPasswords[0]
	if err := h.importAccounts(ctx, employeurAccounts(n, &pw), 8); err != nil {
		return workload{}, err
	}
	return workload{
		op: changePassword, want: http.StatusOK, accounts: n, mails: 2,
		requests: 3, steps: []string{"sign-in", "code", "mail", "change"}, cookies: true, perUser: true,
	}, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// importAccounts imports accounts through the admin API, batch at a time.
func (h *harness) importAccounts(ctx context.Context, accounts []api.Account, batch int) error {
	start := time.Now()
	for i := 0; i < len(accounts); i += batch {
		part := accounts[i:min(i+batch, len(accounts))]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+api.Prefix+"/admin/accounts", bytes.NewReader(mustJSON(part)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.admin)
		resp, err := h.client.Do(req)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("import: %s: %s", resp.Status, body)
		}
	}
	fmt.Fprintf(h.progress, "loadgen: %d accounts imported in %s\n", len(accounts), time.Since(start).Round(time.Millisecond))
	return nil
}

// postAll posts every body to path with a few parallel clients and
// fails on the first answer that is not want.
func (h *harness) postAll(ctx context.Context, path string, bodies [][]byte, want, parallel int) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				status, err := post(ctx, h.client, h.base+path, bodies[i])
				if err == nil && status != want {
					err = fmt.Errorf("POST %s: status %d, want %d", path, status, want)
				}
				if err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// post sends one JSON body and reads the whole answer.
func post(ctx context.Context, c *http.Client, url string, body []byte) (int, error) {
	status, _, err := postRead(ctx, c, url, body, 0)
	return status, err
}

// postRead sends one JSON body and returns up to keep bytes of the answer
// (the rest is read and dropped).
func postRead(ctx context.Context, c *http.Client, url string, body []byte, keep int64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var kept []byte
	if keep > 0 {
		if kept, err = io.ReadAll(io.LimitReader(resp.Body, keep)); err != nil {
			return resp.StatusCode, nil, err
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, kept, err
}
