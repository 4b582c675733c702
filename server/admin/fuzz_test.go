package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sesame/server/problem"
	"sesame/server/store"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/message"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

const fuzzToken = "fuzz-admin-token-0123456789abcdefghijkl"

// memStore keeps what an import stores.
type memStore struct{ accounts []store.Account }

func (m *memStore) PutAccounts(_ context.Context, accounts []store.Account, newID func() string) (int, error) {
	m.accounts = append(m.accounts, accounts...)
	return len(accounts), nil
}

// lenHasher "hashes" at once, and remembers the longest password it saw.
type lenHasher struct{ longest int }

func (h *lenHasher) Hash(_ context.Context, pw []byte) (string, error) {
	h.longest = max(h.longest, len(pw))
	return "$fake$", nil
}

// fuzzImport posts body to the import endpoint and checks the answer: 201
// with every account stored and valid for its portal, or a 4xx problem
// with a known code and nothing stored.
func fuzzImport(f *testing.F, seeds ...string) {
	for _, s := range append(seeds, "", "[]", "[null]", "{}", "[{}]", `[{"portal":"employeur"},1]`, "{}]", "\xff") {
		f.Add([]byte(s))
	}
	presets := portal.Presets()
	now := time.Date(2026, 4, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		st, h := &memStore{}, &lenHasher{}
		im := &Importer{Token: fuzzToken, Store: st, Hasher: h, Now: func() time.Time { return now },
			Portals: func(id string) (portal.Config, bool) { return portal.Find(presets, id) }}
		r := httptest.NewRequest(http.MethodPost, api.Prefix+"/admin/accounts", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+fuzzToken)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		err := im.importAccounts(w, r)
		if err != nil {
			var pe *problem.Error
			if !errors.As(err, &pe) || pe.Status < 400 || pe.Status >= 500 || !message.HasProblem(pe.Code) || len(st.accounts) != 0 {
				t.Fatalf("body %q: %v (%d stored)", body, err, len(st.accounts))
			}
			return
		}
		var created api.Created
		if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.Created != len(st.accounts) {
			t.Fatalf("body %q: %d %s with %d stored", body, w.Code, w.Body, len(st.accounts))
		}
		var list []json.RawMessage
		if json.Unmarshal(body, &list) == nil && len(list) != created.Created {
			t.Fatalf("body %q: %d accounts sent, %d created", body, len(list), created.Created)
		}
		if h.longest > policy.DefaultMaxBytes {
			t.Fatalf("body %q: a password of %d bytes was hashed", body, h.longest)
		}
		for _, a := range st.accounts {
			checkImported(t, presets, a, now)
		}
	})
}

// checkImported fails unless a is what the store may hold for its portal.
func checkImported(t *testing.T, presets []portal.Config, a store.Account, now time.Time) {
	t.Helper()
	p, ok := portal.Find(presets, a.Portal)
	if !ok {
		t.Fatalf("stored an account of portal %q", a.Portal)
	}
	if a.Email != "" {
		if k, err := identity.NormalizeEmail(a.Email); err != nil || k != a.EmailKey {
			t.Fatalf("stored e-mail %q with key %q (%v)", a.Email, a.EmailKey, err)
		}
	}
	switch p.Identifier {
	case portal.IdentifierNIR:
		n, err := identity.ParseNIR(a.NIR)
		b, errB := identity.ParseBirthDate(a.Birthdate, now)
		if err != nil || errB != nil || n.String() != a.NIR || !n.MatchesBirthDate(b) {
			t.Fatalf("stored NIR %q with birth date %q", a.NIR, a.Birthdate)
		}
	case portal.IdentifierEmail:
		if a.Email == "" {
			t.Fatal("stored an employeur account without e-mail")
		}
	case portal.IdentifierMemberNumber:
		if n, err := identity.ParseMemberNumber(a.MemberNumber); err != nil || n != a.MemberNumber {
			t.Fatalf("stored member number %q", a.MemberNumber)
		}
	}
}

// FuzzImportAccount: POST /admin/accounts with one account object.
func FuzzImportAccount(f *testing.F) {
	fuzzImport(f,
		`{"portal":"employeur","email":"lea.dupont@example.fr","email_verified":true,"password":"Ancien12!mdp"}`,
		`{"portal":"assure","nir":"1 84 12 75 123 456 40","birthdate":"1984-12-25","email":"t@tutanota.com","email_verified":true}`,
		`{"portal":"adherent","member_number":"12345678","email":"x@example.org","phone":"06 12 34 56 78"}`,
		`{"portal":"assure","nir":"184127512345640","birthdate":"1985-12-25"}`,
		`{"portal":"employeur","email":"a@b.fr","password":""}`,
	)
}

// FuzzImportAccounts: POST /admin/accounts with an array of accounts.
func FuzzImportAccounts(f *testing.F) {
	fuzzImport(f,
		`[{"portal":"employeur","email":"lea.dupont@example.fr","email_verified":true},{"portal":"adherent","member_number":"87654321"}]`,
		`[{"portal":"assure","nir":"290036912378960","birthdate":"1990-03-01"}]`,
		`[{"portal":"employeur","email":"a@b.fr"},{"portal":"nope"}]`,
		` [ {"portal":"employeur","email":"a@b.fr","email_verified":1} ] `,
	)
}
