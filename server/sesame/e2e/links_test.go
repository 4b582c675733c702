package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestLinks: a link is refused with 410 and the reason once it cannot be
// used; checking never consumes it.
func TestLinks(t *testing.T) {
	t.Parallel()
	email := employeurAccount.Email

	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		b := s.Client(t)
		tok := employeurLink(t, s, b, email)
		s.Clock.Advance(59 * time.Minute)
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
		s.Clock.Advance(time.Minute + time.Second)
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Problem(t, http.StatusGone, api.CodeLinkExpired)
		setPassword(t, b, "employeur", tok, employeurNew).Problem(t, http.StatusGone, api.CodeLinkExpired)
		signIn(t, b, "employeur", email, *employeurAccount.Password).Want(t, http.StatusOK)
	})

	t.Run("used", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		b := s.Client(t)
		tok := employeurLink(t, s, b, email)
		setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusOK)
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Problem(t, http.StatusGone, api.CodeLinkUsed)
		setPassword(t, b, "employeur", tok, "Autre77!motdepasse").Problem(t, http.StatusGone, api.CodeLinkUsed)
		signIn(t, b, "employeur", email, employeurNew).Want(t, http.StatusOK)
	})

	t.Run("used once under concurrency", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		tok := employeurLink(t, s, s.Client(t), email)
		passwords := []string{"Concur11!alpha", "Concur22!bravo", "Concur33!delta"}
		statuses := make([]sesametest.Reply, len(passwords))
		var wg sync.WaitGroup
		for i, pw := range passwords {
			wg.Go(func() { statuses[i] = setPassword(t, s.Client(t), "employeur", tok, pw) })
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
				r.Problem(t, http.StatusGone, api.CodeLinkUsed)
			}
		}
		if won == "" {
			t.Fatal("no concurrent use of the link succeeded")
		}
		signIn(t, s.Client(t), "employeur", email, won).Want(t, http.StatusOK)
	})

	t.Run("superseded", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		b := s.Client(t)
		first := employeurLink(t, s, b, email)
		second := employeurLink(t, s, b, email)
		if first == second {
			t.Fatal("two requests gave the same token")
		}
		b.Post(linkPath("employeur"), api.LinkCheck{Token: first}).Problem(t, http.StatusGone, api.CodeLinkSuperseded)
		setPassword(t, b, "employeur", first, employeurNew).Problem(t, http.StatusGone, api.CodeLinkSuperseded)
		b.Post(linkPath("employeur"), api.LinkCheck{Token: second}).Want(t, http.StatusOK)
		setPassword(t, b, "employeur", second, employeurNew).Want(t, http.StatusOK)
	})

	t.Run("garbage and unknown", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		b := s.Client(t)
		for _, tok := range []string{
			"", "abc", "../../etc/passwd", strings.Repeat("A", 43), strings.Repeat("A", 44),
			"peXz0iRRCFR1AJx1DVqZjjWj0uC0ZGSGSd2wsHaxcCA", // well formed, never issued
			"peXz0iRRCFR1AJx1DVqZjjWj0uC0ZGSGSd2wsHaxc+/", "é" + strings.Repeat("x", 41),
			strings.Repeat("x", 5000),
		} {
			b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Problem(t, http.StatusGone, api.CodeLinkInvalid)
			setPassword(t, b, "employeur", tok, employeurNew).Problem(t, http.StatusGone, api.CodeLinkInvalid)
		}
	})

	t.Run("other portal", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		b := s.Client(t)
		tok := employeurLink(t, s, b, email)
		for _, other := range []string{"assure", "adherent"} {
			b.Post(linkPath(other), api.LinkCheck{Token: tok}).Problem(t, http.StatusGone, api.CodeLinkInvalid)
			setPassword(t, b, other, tok, "Autre77!Motdepasse").Problem(t, http.StatusGone, api.CodeLinkInvalid)
		}
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
	})

	t.Run("checking never consumes", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		b := s.Client(t)
		tok := employeurLink(t, s, b, email)
		var first, second api.LinkStatus
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK).JSON(t, &first)
		s.Client(t).Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK).JSON(t, &second)
		if !first.ExpiresAt.Equal(second.ExpiresAt) {
			t.Errorf("expires_at moved between two checks: %s then %s", first.ExpiresAt, second.ExpiresAt)
		}
		// A refused password does not consume it either.
		setPassword(t, b, "employeur", tok, "court").Problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)
		b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
		setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusOK)
	})
}
