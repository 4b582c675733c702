// Package portals publishes each portal's public configuration, password
// policy included, and runs the password checklist with the same shared code
// as the browser.
package portals

import (
	"net/http"

	"sesame/server/problem"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Handler serves GET /portals, GET /portals/{portal} and
// POST /portals/{portal}/password-check.
type Handler struct {
	List []portal.Config
}

// Routes registers the endpoints.
func (h *Handler) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	mux.Handle("GET "+api.Prefix+"/portals", wrap(h.list))
	mux.Handle("GET "+api.Prefix+"/portals/{portal}", wrap(h.get))
	mux.Handle("POST "+api.Prefix+"/portals/{portal}/password-check", wrap(h.check))
}

// Find returns a portal by id.
func (h *Handler) Find(id string) (portal.Config, bool) { return portal.Find(h.List, id) }

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	problem.JSON(w, http.StatusOK, h.List)
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	p, ok := h.Find(r.PathValue("portal"))
	if !ok {
		return problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	problem.JSON(w, http.StatusOK, p)
	return nil
}

func (h *Handler) check(w http.ResponseWriter, r *http.Request) error {
	p, ok := h.Find(r.PathValue("portal"))
	if !ok {
		return problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	var req api.PasswordCheck
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	in := policy.Input{Password: req.Password, Confirm: req.Confirm, Context: p.PolicyContext(req.Context)}
	if req.Current != nil {
		in.Current, in.HasCurrent = *req.Current, true
	}
	problem.JSON(w, http.StatusOK, p.Policy.Check(in, problem.Lang(r)))
	return nil
}
