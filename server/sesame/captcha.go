package sesame

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"sesame/server/captcha"
	"sesame/server/httpapi"
	"sesame/server/limit"
	"sesame/server/problem"
	"sesame/server/recovery"
	"sesame/shared/api"
)

// captchaRate bounds challenge generation per client.
const captchaRate = "60-H"

// captchaRoutes serves POST /captcha and the image and audio of a
// challenge. With captchas off, the endpoints answer 404.
func captchaRoutes(srv *httpapi.Server, c *captcha.Service, reg *limit.Regulator, clientKey func(*http.Request) string, paris *time.Location) {
	srv.Mux.Handle("POST "+api.Prefix+"/captcha", srv.Wrap(func(w http.ResponseWriter, r *http.Request) error {
		if c == nil {
			return problem.New(http.StatusNotFound, api.CodeNotFound)
		}
		v, err := reg.Take(r.Context(), "captcha", captchaRate, clientKey(r))
		if err != nil {
			return err
		}
		if !v.Allowed {
			return recovery.Limited(v.Until, paris, false)
		}
		id, expires, err := c.Create(r.Context())
		if err != nil {
			return err
		}
		problem.JSON(w, http.StatusCreated, api.CaptchaChallenge{
			ID: id, ImageURL: api.Prefix + "/captcha/" + id + ".png", AudioURL: api.Prefix + "/captcha/" + id + ".wav",
			ExpiresAt: expires.UTC(),
		})
		return nil
	}))
	srv.Mux.Handle("GET "+api.Prefix+"/captcha/{file}", srv.Wrap(func(w http.ResponseWriter, r *http.Request) error {
		if c == nil {
			return problem.New(http.StatusNotFound, api.CodeNotFound)
		}
		file := r.PathValue("file")
		var err error
		switch {
		case strings.HasSuffix(file, ".png"):
			err = c.ServeImage(w, r, strings.TrimSuffix(file, ".png"))
		case strings.HasSuffix(file, ".wav"):
			err = c.ServeAudio(w, r, strings.TrimSuffix(file, ".wav"))
		default:
			return problem.New(http.StatusNotFound, api.CodeNotFound)
		}
		if errors.Is(err, captcha.ErrNotFound) {
			return problem.New(http.StatusNotFound, api.CodeNotFound)
		}
		return err
	}))
}
