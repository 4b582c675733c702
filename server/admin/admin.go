// Package admin imports accounts from the system of record: POST
// /api/v1/admin/accounts, behind a bearer token compared in constant time.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// MaxBody caps an import request.
const MaxBody = 8 << 20

// Store keeps accounts.
type Store interface {
	PutAccounts(ctx context.Context, accounts []store.Account, newID func() string) (int, error)
}

// Hasher hashes imported passwords.
type Hasher interface {
	Hash(ctx context.Context, password []byte) (string, error)
}

// Importer handles the import endpoint.
type Importer struct {
	Token   string // empty: the endpoint answers 404
	Store   Store
	Hasher  Hasher
	Portals func(id string) (portal.Config, bool)
	Now     func() time.Time
}

// Routes registers the endpoint.
func (im *Importer) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	mux.Handle("POST "+api.Prefix+"/admin/accounts", wrap(im.importAccounts))
}

func (im *Importer) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && im.Token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(im.Token)) == 1
}

func (im *Importer) importAccounts(w http.ResponseWriter, r *http.Request) error {
	if im.Token == "" {
		return problem.New(http.StatusNotFound, api.CodeNotFound)
	}
	if !im.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sesame-admin"`)
		return problem.New(http.StatusUnauthorized, api.CodeUnauthenticated)
	}
	var raw json.RawMessage
	if err := problem.Decode(w, r, MaxBody, &raw); err != nil {
		return err
	}
	var in []api.Account
	if t := strings.TrimSpace(string(raw)); strings.HasPrefix(t, "[") {
		if err := strict(raw, &in); err != nil {
			return err
		}
	} else {
		var one api.Account
		if err := strict(raw, &one); err != nil {
			return err
		}
		in = []api.Account{one}
	}
	n, err := im.Import(r.Context(), in)
	if err != nil {
		return err
	}
	problem.JSON(w, http.StatusCreated, api.Created{Created: n})
	return nil
}

// Import validates and stores accounts, all or none.
func (im *Importer) Import(ctx context.Context, in []api.Account) (int, error) {
	accounts := make([]store.Account, 0, len(in))
	for i, a := range in {
		acc, err := im.convert(ctx, a)
		if err != nil {
			return 0, &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeInvalidFields,
				Detail: fmt.Sprintf("compte n°%d : %v", i+1, err), Fields: []string{fmt.Sprintf("%d", i)}}
		}
		accounts = append(accounts, acc)
	}
	return im.Store.PutAccounts(ctx, accounts, func() string { return token.NewID(16) })
}

func strict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &problem.Error{Status: http.StatusBadRequest, Code: api.CodeInvalidJSON, Err: err}
	}
	return nil
}

// Convert validates an imported account against its portal.
func (im *Importer) convert(ctx context.Context, a api.Account) (store.Account, error) {
	p, ok := im.Portals(a.Portal)
	if !ok {
		return store.Account{}, fmt.Errorf("portail %q inconnu", a.Portal)
	}
	out := store.Account{Portal: p.ID, EmailVerified: a.EmailVerified, Phone: a.Phone}
	if a.Email != "" {
		e, err := identity.ParseEmail(a.Email)
		if err != nil {
			return out, fmt.Errorf("email invalide")
		}
		out.Email, out.EmailKey = e.String(), e.Key()
	}
	if a.Birthdate != "" {
		b, err := identity.ParseBirthDate(a.Birthdate, im.Now())
		if err != nil {
			return out, fmt.Errorf("birthdate invalide")
		}
		out.Birthdate = b.Format(time.DateOnly)
	}
	switch p.Identifier {
	case portal.IdentifierNIR:
		n, err := identity.ParseNIR(a.NIR)
		if err != nil || out.Birthdate == "" {
			return out, fmt.Errorf("nir et birthdate requis et valides")
		}
		b, _ := time.Parse(time.DateOnly, out.Birthdate)
		if !n.MatchesBirthDate(b) {
			return out, fmt.Errorf("le nir ne correspond pas à la date de naissance")
		}
		out.NIR = n.String()
	case portal.IdentifierEmail:
		if out.Email == "" {
			return out, fmt.Errorf("email requis")
		}
	case portal.IdentifierMemberNumber:
		n, err := identity.ParseMemberNumber(a.MemberNumber)
		if err != nil {
			return out, fmt.Errorf("member_number invalide")
		}
		out.MemberNumber = n
	}
	if a.Password != nil {
		if len(*a.Password) == 0 || len(*a.Password) > policy.DefaultMaxBytes {
			return out, fmt.Errorf("password vide ou trop long")
		}
		h, err := im.Hasher.Hash(ctx, []byte(policy.Normalize(*a.Password)))
		if err != nil {
			return out, err
		}
		out.PasswordHash, out.PasswordChangedAt = h, im.Now().UTC()
	}
	return out, nil
}
