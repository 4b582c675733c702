package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"sesame/shared/api"
)

// The operations of more than one request. Each returns the status of the
// last request, or of the first one that did not answer as expected.

// adherentRecovery is seed 004's first two steps: the member number opens
// a flow bound to this client's cookie, then "Recevoir mon code par mail".
func adherentRecovery(n int) func(context.Context, *user) (int, error) {
	start := recoveryPath("adherent")
	return func(ctx context.Context, u *user) (int, error) {
		t0 := time.Now()
		body := mustJSON(api.RecoveryRequest{MemberNumber: memberNumber(u.rng.IntN(n))})
		status, answer, err := postRead(ctx, u.http, u.base+start, body, 4096)
		if err != nil || status != http.StatusAccepted {
			return status, err
		}
		u.timed("recovery", t0)
		var acc api.RecoveryAccepted
		if err := json.Unmarshal(answer, &acc); err != nil || acc.FlowID == "" {
			return 0, fmt.Errorf("recovery answer without flow_id: %.200q", answer)
		}
		t1 := time.Now()
		status, err = post(ctx, u.http, u.base+start+"/flows/"+url.PathEscape(acc.FlowID)+"/send", []byte("{}"))
		if err == nil && status == http.StatusAccepted {
			u.timed("send", t1)
		}
		return status, err
	}
}

// passwordSet uses each link of tokens once, in turn, to set password;
// when none is left it returns errExhausted.
func passwordSet(tokens []string, password string) func(context.Context, *user) (int, error) {
	var next atomic.Int64
	path := recoveryPath("employeur") + "/link/password"
	return func(ctx context.Context, u *user) (int, error) {
		i := next.Add(1) - 1
		if i >= int64(len(tokens)) {
			return 0, errExhausted
		}
		return post(ctx, u.http, u.base+path, mustJSON(api.NewPassword{Token: tokens[i], Password: password, Confirm: password}))
	}
}

// mailWait bounds the wait for a code at the sink.
const mailWait = 30 * time.Second

// changePassword is seed 003 for user u's own account: sign in, ask for
// the confirmation code, read it from the mail, change the password. The
// change ends the session, so every journey signs in again; the two bench
// passwords take turns.
func changePassword(ctx context.Context, u *user) (int, error) {
	email := employeurEmail(u.id)
	current, next := benchPasswords[u.pw], benchPasswords[1-u.pw]

	t0 := time.Now()
	status, err := post(ctx, u.http, u.base+portalPath("employeur", "/session"), mustJSON(api.SignIn{Identifier: email, Password: current}))
	if err != nil || status != http.StatusOK {
		return status, err
	}
	u.timed("sign-in", t0)

	code := u.sink.await(email)
	defer u.sink.forget(email, code)
	t1 := time.Now()
	status, err = post(ctx, u.http, u.base+portalPath("employeur", "/account/password/code"), []byte("{}"))
	if err != nil || status != http.StatusAccepted {
		return status, err
	}
	u.timed("code", t1)

	t2 := time.Now()
	var secret string
	select {
	case secret = <-code:
	case <-time.After(mailWait):
		return 0, fmt.Errorf("no confirmation code for %s at the sink within %s", email, mailWait)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	u.timed("mail", t2)

	t3 := time.Now()
	status, err = post(ctx, u.http, u.base+portalPath("employeur", "/account/password"),
		mustJSON(api.ChangePassword{Code: secret, Current: current, Password: next, Confirm: next}))
	if err != nil || status != http.StatusOK {
		return status, err
	}
	u.timed("change", t3)
	u.pw = 1 - u.pw
	return status, nil
}

// readTokens reads one raw link per line.
func readTokens(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("no -tokens-file: -seed writes one")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no link", path)
	}
	return out, nil
}
