package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
}

// workload is what every client repeats: POST path with one of bodies,
// drawn at random, expecting status want.
type workload struct {
	path     string
	bodies   [][]byte
	want     int
	accounts int // accounts the bodies draw from
}

var scenarios = map[string]scenario{
	"recovery-employeur": {
		about: "POST /recovery on employeur with the e-mail of a known account: a reset link is issued and its mail queued",
		setup: setupRecoveryEmployeur,
	},
	"recovery-assure": {
		about: "POST /recovery on assure with the NIR, birth date and e-mail of a known account: a reset link is issued and its mail queued",
		setup: setupRecoveryAssure,
	},
	"link-check": {
		about: "POST /recovery/link on employeur with a live reset link collected by the SMTP sink: the link is checked, not used",
		setup: setupLinkCheck,
	},
	"sign-in": {
		about: "POST /session on employeur with the right password (at most 64 accounts: each import costs an Argon2id hash, each sign-in a verification)",
		setup: setupSignIn,
	},
}

// harness is what a scenario's setup may use.
type harness struct {
	base     string // http://host:port
	admin    string // admin bearer token
	client   *http.Client
	sink     *sink
	accounts int
	progress io.Writer
}

const benchPassword = "Bench12!pw"

func employeurEmail(i int) string { return "user" + strconv.Itoa(i) + "@bench.example" }

func employeurAccounts(n int, password *string) []api.Account {
	out := make([]api.Account, n)
	for i := range out {
		out[i] = api.Account{Portal: "employeur", Email: employeurEmail(i), EmailVerified: true, Password: password}
	}
	return out
}

func recoveryPath(portal string) string { return api.Prefix + "/portals/" + portal + "/recovery" }

func setupRecoveryEmployeur(ctx context.Context, h *harness) (workload, error) {
	if err := h.importAccounts(ctx, employeurAccounts(h.accounts, nil), 500); err != nil {
		return workload{}, err
	}
	w := workload{path: recoveryPath("employeur"), want: http.StatusAccepted, accounts: h.accounts}
	for i := range h.accounts {
		w.bodies = append(w.bodies, mustJSON(api.RecoveryRequest{Email: employeurEmail(i)}))
	}
	return w, nil
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
	w := workload{path: recoveryPath("assure"), want: http.StatusAccepted, accounts: h.accounts}
	for i := range accounts {
		nir, birth := benchNIR(i)
		accounts[i] = api.Account{Portal: "assure", NIR: nir, Birthdate: birth, Email: assureEmail(i), EmailVerified: true}
		w.bodies = append(w.bodies, mustJSON(api.RecoveryRequest{NIR: nir, Birthdate: birth, Email: assureEmail(i)}))
	}
	if err := h.importAccounts(ctx, accounts, 500); err != nil {
		return workload{}, err
	}
	return w, nil
}

// setupLinkCheck asks one reset link per account, lets the SMTP sink
// collect them, then checks those links.
func setupLinkCheck(ctx context.Context, h *harness) (workload, error) {
	if err := h.importAccounts(ctx, employeurAccounts(h.accounts, nil), 500); err != nil {
		return workload{}, err
	}
	h.sink.capture.Store(true)
	defer h.sink.capture.Store(false)
	asks := make([][]byte, h.accounts)
	for i := range asks {
		asks[i] = mustJSON(api.RecoveryRequest{Email: employeurEmail(i)})
	}
	if err := h.postAll(ctx, recoveryPath("employeur"), asks, http.StatusAccepted, 8); err != nil {
		return workload{}, err
	}
	start := time.Now()
	for h.sink.tokenCount() < h.accounts {
		if time.Since(start) > 3*time.Minute {
			return workload{}, fmt.Errorf("link-check: the sink received %d of %d reset links in 3 minutes", h.sink.tokenCount(), h.accounts)
		}
		select {
		case <-ctx.Done():
			return workload{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(h.progress, "loadgen: %d reset links collected by the sink in %s\n", h.accounts, time.Since(start).Round(time.Millisecond))
	w := workload{path: recoveryPath("employeur") + "/link", want: http.StatusOK, accounts: h.accounts}
	for _, t := range h.sink.tokenList() {
		w.bodies = append(w.bodies, mustJSON(api.LinkCheck{Token: t}))
	}
	return w, nil
}

func setupSignIn(ctx context.Context, h *harness) (workload, error) {
	n := min(h.accounts, 64)
	pw := benchPassword
	if err := h.importAccounts(ctx, employeurAccounts(n, &pw), 8); err != nil {
		return workload{}, err
	}
	w := workload{path: api.Prefix + "/portals/employeur/session", want: http.StatusOK, accounts: n}
	for i := range n {
		w.bodies = append(w.bodies, mustJSON(api.SignIn{Identifier: employeurEmail(i), Password: pw}))
	}
	return w, nil
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}
