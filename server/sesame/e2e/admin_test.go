package e2e

import (
	"net/http"
	"strings"
	"testing"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestAdminImport: the import endpoint wants the bearer token, takes one
// account or an array, and refuses invalid identities.
func TestAdminImport(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	b := s.Client(t)
	path := api.Prefix + "/admin/accounts"
	one := api.Account{Portal: "employeur", Email: "a@example.fr", EmailVerified: true}

	r := b.Post(path, one)
	r.Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	for _, auth := range []string{"Bearer wrong-token-wrong-token-wrong-token-xx", "Bearer " + sesametest.AdminToken + "x", "Bearer " + sesametest.AdminToken[:len(sesametest.AdminToken)-1],
		"Basic " + sesametest.AdminToken, sesametest.AdminToken, "Bearer "} {
		b.Post(path, one, sesametest.WithHeader("Authorization", auth)).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	}
	auth := sesametest.WithHeader("Authorization", "Bearer "+sesametest.AdminToken)
	var c api.Created
	b.Post(path, one, auth).Want(t, http.StatusCreated).JSON(t, &c)
	if c.Created != 1 {
		t.Errorf("created %d, want 1", c.Created)
	}
	b.Post(path, []api.Account{
		{Portal: "employeur", Email: "b@example.fr", EmailVerified: true},
		{Portal: "adherent", MemberNumber: "1234567", Email: "c@example.fr", EmailVerified: true},
		{Portal: "assure", NIR: "1 84 12 75 123 456 40", Birthdate: "1984-12-25", Email: "d@example.fr", EmailVerified: true},
	}, auth).Want(t, http.StatusCreated).JSON(t, &c)
	if c.Created != 3 {
		t.Errorf("created %d, want 3", c.Created)
	}
	if n, err := s.Srv.Store.CountAccounts(t.Context()); err != nil || n != 4 {
		t.Errorf("%d accounts stored (%v), want 4", n, err)
	}

	for _, tc := range []struct {
		name string
		body any
	}{
		{"bad NIR key", api.Account{Portal: "assure", NIR: "184127512345641", Birthdate: "1984-12-25", Email: "e@example.fr"}},
		{"NIR of another birth date", api.Account{Portal: "assure", NIR: "184127512345640", Birthdate: "1985-12-25", Email: "e@example.fr"}},
		{"NIR too short", api.Account{Portal: "assure", NIR: "18412751234", Birthdate: "1984-12-25", Email: "e@example.fr"}},
		{"unknown portal", api.Account{Portal: "nope", Email: "e@example.fr"}},
		{"bad e-mail", api.Account{Portal: "employeur", Email: "not an address"}},
		{"bad member number", api.Account{Portal: "adherent", MemberNumber: "12a"}},
		{"one bad in an array", []api.Account{one, {Portal: "assure", NIR: "1", Birthdate: "1984-12-25"}}},
	} {
		p := b.Post(path, tc.body, auth).Problem(t, http.StatusUnprocessableEntity, api.CodeInvalidFields)
		if strings.Contains(p.Detail, "panic") {
			t.Errorf("%s: %s", tc.name, p.Detail)
		}
	}
	if n, _ := s.Srv.Store.CountAccounts(t.Context()); n != 4 {
		t.Errorf("%d accounts after refused imports, want still 4 (all or none)", n)
	}
	b.Post(path, `{"portal":"employeur","email":"f@example.fr","admin":true}`, auth).Problem(t, http.StatusBadRequest, api.CodeInvalidJSON)
}
