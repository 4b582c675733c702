package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sesame/shared/api"
)

// TestLinks: a link is refused with 410 and the reason once it cannot be
// used; checking never consumes it.
func TestLinks(t *testing.T) {
	t.Parallel()
	email := employeurAccount.Email

	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		b := s.browser(t)
		tok := s.employeurLink(t, b, email)
		s.Clock.Advance(59 * time.Minute)
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK)
		s.Clock.Advance(time.Minute + time.Second)
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).problem(t, http.StatusGone, api.CodeLinkExpired)
		setPassword(t, b, "employeur", tok, employeurNew).problem(t, http.StatusGone, api.CodeLinkExpired)
		signIn(t, b, "employeur", email, *employeurAccount.Password).want(t, http.StatusOK)
	})

	t.Run("used", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		b := s.browser(t)
		tok := s.employeurLink(t, b, email)
		setPassword(t, b, "employeur", tok, employeurNew).want(t, http.StatusOK)
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).problem(t, http.StatusGone, api.CodeLinkUsed)
		setPassword(t, b, "employeur", tok, "Autre77!motdepasse").problem(t, http.StatusGone, api.CodeLinkUsed)
		signIn(t, b, "employeur", email, employeurNew).want(t, http.StatusOK)
	})

	t.Run("used once under concurrency", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		tok := s.employeurLink(t, s.browser(t), email)
		passwords := []string{"Concur11!alpha", "Concur22!bravo", "Concur33!delta"}
		statuses := make([]reply, len(passwords))
		var wg sync.WaitGroup
		for i, pw := range passwords {
			wg.Go(func() { statuses[i] = setPassword(t, s.browser(t), "employeur", tok, pw) })
		}
		wg.Wait()
		won := ""
		for i, r := range statuses {
			switch r.Status {
			case http.StatusOK:
				if won != "" {
					t.Errorf("the link was used twice: %q and %q both set", won, passwords[i])
				}
				won = passwords[i]
			default:
				r.problem(t, http.StatusGone, api.CodeLinkUsed)
			}
		}
		if won == "" {
			t.Fatal("no concurrent use of the link succeeded")
		}
		signIn(t, s.browser(t), "employeur", email, won).want(t, http.StatusOK)
	})

	t.Run("superseded", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		b := s.browser(t)
		first := s.employeurLink(t, b, email)
		second := s.employeurLink(t, b, email)
		if first == second {
			t.Fatal("two requests gave the same token")
		}
		b.post(linkPath("employeur"), api.LinkCheck{Token: first}).problem(t, http.StatusGone, api.CodeLinkSuperseded)
		setPassword(t, b, "employeur", first, employeurNew).problem(t, http.StatusGone, api.CodeLinkSuperseded)
		b.post(linkPath("employeur"), api.LinkCheck{Token: second}).want(t, http.StatusOK)
		setPassword(t, b, "employeur", second, employeurNew).want(t, http.StatusOK)
	})

	t.Run("garbage and unknown", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		b := s.browser(t)
		for _, tok := range []string{
			"", "abc", "../../etc/passwd", strings.Repeat("A", 43), strings.Repeat("A", 44),
			"peXz0iRRCFR1AJx1DVqZjjWj0uC0ZGSGSd2wsHaxcCA", // well formed, never issued
			"peXz0iRRCFR1AJx1DVqZjjWj0uC0ZGSGSd2wsHaxc+/", "é" + strings.Repeat("x", 41),
			strings.Repeat("x", 5000),
		} {
			b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).problem(t, http.StatusGone, api.CodeLinkInvalid)
			setPassword(t, b, "employeur", tok, employeurNew).problem(t, http.StatusGone, api.CodeLinkInvalid)
		}
	})

	t.Run("other portal", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		b := s.browser(t)
		tok := s.employeurLink(t, b, email)
		for _, other := range []string{"assure", "adherent"} {
			b.post(linkPath(other), api.LinkCheck{Token: tok}).problem(t, http.StatusGone, api.CodeLinkInvalid)
			setPassword(t, b, other, tok, "Autre77!Motdepasse").problem(t, http.StatusGone, api.CodeLinkInvalid)
		}
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK)
	})

	t.Run("checking never consumes", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		b := s.browser(t)
		tok := s.employeurLink(t, b, email)
		var first, second api.LinkStatus
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK).json(t, &first)
		s.browser(t).post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK).json(t, &second)
		if !first.ExpiresAt.Equal(second.ExpiresAt) {
			t.Errorf("expires_at moved between two checks: %s then %s", first.ExpiresAt, second.ExpiresAt)
		}
		// A refused password does not consume it either.
		setPassword(t, b, "employeur", tok, "court").problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)
		b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK)
		setPassword(t, b, "employeur", tok, employeurNew).want(t, http.StatusOK)
	})
}
