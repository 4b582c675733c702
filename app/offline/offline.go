// Package offline keeps Sésame usable when the network goes away, once the
// app has loaded (the service worker of server/webui serves the app shell
// and its assets from its cache):
//
//   - Online and Subscribe tell whether the network works: navigator.onLine,
//     the online/offline events, and above all the outcome of the last API
//     request (app/client reports every one through client.Observe; a
//     failed fetch is the real signal, navigator.onLine is optimistic).
//   - Draft keeps the non-secret fields of a form (e-mail, NIR, birth date,
//     member number) in localStorage while the user types, so that a reload
//     or a crash loses nothing; Draft refuses every other field, so that a
//     password, a code, a token or a captcha answer is never written.
//   - Enqueue keeps a recovery request that could not leave (client.ErrOffline)
//     and sends it when the network returns (the online event, any request
//     that gets an answer, a retry timer, the app's start); screens learn the
//     result with TakeOutcome. Only portals whose request needs nothing live
//     (no captcha, an e-mailed link) can queue: see Queueable.
//   - Banner and UpdatePrompt are the components every page shows: the
//     offline notice and « Mise à jour disponible ».
//
// Outside the browser (prerendering, tests) storage is an in-memory map and
// the network is assumed up.
//
// # Using it in a screen
//
// A form keeps a draft of its non-secret fields (page.Forgot does all of
// this; its Screen is ForgotScreen, "mot-de-passe-oublie"):
//
//	// OnInit, both sides: the inputs start with the draft (browser only).
//	f.draft = offline.Draft{Portal: f.Portal.ID, Screen: offline.ForgotScreen}
//	if app.IsClient {
//		f.initial = f.draft.Load() // API field name → value
//	}
//	// Render: constant initial values, and every keystroke saved.
//	&widget.Field{ID: "email", Value: f.initial[portal.FieldEmail],
//		OnInput: func(_ app.Context, v string) { f.email = v; f.draft.Save(portal.FieldEmail, v) }}
//	// Once the server accepted the request:
//	f.draft.Clear()
//
// Save only ever writes portal.FieldEmail, FieldNIR, FieldBirthdate and
// FieldMemberNumber: calling it with a password, a code or a captcha answer
// writes nothing, but do not call it for them anyway.
//
// A recovery request that ends in client.ErrOffline can wait, on a portal
// where Queueable is true (no captcha, a link channel: employeur):
//
//	if errors.Is(err, client.ErrOffline) && offline.Enqueue(f.Portal, req) == nil {
//		f.queued = true // show offline.PendingText
//	}
//	// OnMount: follow the queue; OnDismount: call the returned cancel.
//	f.cancel = offline.Subscribe(func() { ctx.Dispatch(f.followQueue) })
//	// followQueue: offline.TakeOutcome(portalID) gives the answer once sent
//	// (Err nil: show the « sent » screen; else the problem), and
//	// offline.Pending(portalID) says whether it still waits.
//
// On a portal that cannot queue (assure: a live captcha; adherent: a code
// bound to the page's flow), a request made offline fails with ErrOffline
// and the screen says so; the banner already tells, on those forms, that
// the request can only leave once the network is back (BannerTextFor).
package offline

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// keyPrefix starts every key the package writes in localStorage.
const keyPrefix = "sesame."

// draftTTL: an older draft is forgotten rather than restored.
const draftTTL = 24 * time.Hour

// maxValue caps a stored field, in bytes (an e-mail is at most 254).
const maxValue = 320

// now is the clock (tests move it).
var now = time.Now

// allowed lists the fields a draft or a queued request may hold: what a
// recovery or sign-in form asks to identify someone, and nothing secret.
var allowed = map[string]bool{
	portal.FieldEmail:        true,
	portal.FieldNIR:          true,
	portal.FieldBirthdate:    true,
	portal.FieldMemberNumber: true,
}

// Allowed reports whether a field (its API name, portal.Field*) may be kept
// in browser storage. Passwords, codes, tokens and captcha answers may not.
func Allowed(field string) bool { return allowed[field] }

// ---------------------------------------------------------------------------
// Network state

var state = struct {
	sync.Mutex
	navOnline   bool // navigator.onLine, kept by the online/offline events
	fetchFailed bool // the last API request got no answer
	next        int
	subs        map[int]func()
}{navOnline: true, subs: map[int]func(){}}

func init() { client.Observe(reported) }

// Online reports whether the network seems to work: the browser says so and
// the last request got an answer.
func Online() bool {
	state.Lock()
	defer state.Unlock()
	return state.navOnline && !state.fetchFailed
}

// Subscribe registers f, called after every change of the network state or
// of the queue (off the UI goroutine: dispatch from it). It returns the
// function that unregisters f.
func Subscribe(f func()) (cancel func()) {
	state.Lock()
	defer state.Unlock()
	id := state.next
	state.next++
	state.subs[id] = f
	return func() {
		state.Lock()
		defer state.Unlock()
		delete(state.subs, id)
	}
}

// changed calls every subscriber.
func changed() {
	state.Lock()
	fs := make([]func(), 0, len(state.subs))
	for _, f := range state.subs {
		fs = append(fs, f)
	}
	state.Unlock()
	for _, f := range fs {
		f()
	}
}

// reported is the client's observer: reached is false when a request got
// no answer.
func reported(reached bool) {
	state.Lock()
	before := state.navOnline && !state.fetchFailed
	failedBefore := state.fetchFailed
	state.fetchFailed = !reached
	if reached {
		state.navOnline = true // an answer came, whatever navigator says
	}
	after := state.navOnline && !state.fetchFailed
	state.Unlock()
	if before != after {
		changed()
	}
	if reached && failedBefore && hasPending() {
		go Flush()
	}
}

// setNavOnline follows the browser's online and offline events.
func setNavOnline(on bool) {
	state.Lock()
	was := state.navOnline
	state.navOnline = on
	state.Unlock()
	if was != on {
		changed()
	}
	if on {
		// The event alone proves nothing: a request that gets an answer
		// clears the failure (and sends what waits).
		if hasPending() {
			go Flush()
		} else {
			probe()
		}
	}
}

// ---------------------------------------------------------------------------
// Drafts

// Draft is the non-secret part of one form, kept in localStorage while the
// user types: Portal is the portal id, Screen names the form (its path
// segment, such as "mot-de-passe-oublie" or "connexion"). Fields are named
// by their API name (portal.Field*); Save ignores any field Allowed refuses.
// A draft older than 24 hours is forgotten.
type Draft struct {
	Portal string
	Screen string
}

type draftRecord struct {
	Saved  int64             `json:"saved"` // unix seconds
	Fields map[string]string `json:"fields"`
}

func (d Draft) key() string { return keyPrefix + "draft." + d.Portal + "." + d.Screen }

// Load returns the saved fields (never nil).
func (d Draft) Load() map[string]string {
	out := map[string]string{}
	raw, ok := store.get(d.key())
	if !ok {
		return out
	}
	var rec draftRecord
	if json.Unmarshal([]byte(raw), &rec) != nil || now().Sub(time.Unix(rec.Saved, 0)) > draftTTL {
		store.remove(d.key())
		return out
	}
	for k, v := range rec.Fields {
		if allowed[k] && len(v) <= maxValue {
			out[k] = v
		}
	}
	return out
}

// Save keeps one field's value ("" forgets it). A field Allowed refuses, or
// a value longer than 320 bytes, is not written.
func (d Draft) Save(field, value string) {
	if !allowed[field] || len(value) > maxValue {
		return
	}
	fields := d.Load()
	if strings.TrimSpace(value) == "" {
		delete(fields, field)
	} else {
		fields[field] = value
	}
	if len(fields) == 0 {
		store.remove(d.key())
		return
	}
	b, _ := json.Marshal(draftRecord{Saved: now().Unix(), Fields: fields})
	store.set(d.key(), string(b))
}

// Clear forgets the draft: call it once the form has done its job.
func (d Draft) Clear() { store.remove(d.key()) }

// ---------------------------------------------------------------------------
// Queued recovery requests

// queueKey holds every queued request, by portal id.
const queueKey = keyPrefix + "queue"

// ErrNotQueueable: the portal's request cannot wait (see Queueable).
var ErrNotQueueable = errors.New("offline: this portal's recovery request cannot be queued")

// queued is what is stored of a request: its non-secret fields.
type queued struct {
	Fields map[string]string `json:"fields"`
	Lang   string            `json:"lang,omitempty"`
	At     int64             `json:"at"` // unix seconds
}

// Queueable reports whether a recovery request of the portal can wait for
// the network: it needs no live captcha, and its answer is an e-mailed link
// (a code channel binds the request to a flow of this page).
func Queueable(p portal.Config) bool {
	return !p.Captcha && p.Channel == portal.ChannelLink
}

// Enqueue keeps the request until the network returns, replacing any other
// of the same portal. Only its identity fields and language are kept: a
// captcha is never queued (nor is anything else).
func Enqueue(p portal.Config, req api.RecoveryRequest) error {
	if !Queueable(p) {
		return ErrNotQueueable
	}
	fields := map[string]string{}
	for k, v := range map[string]string{
		portal.FieldEmail: req.Email, portal.FieldNIR: req.NIR,
		portal.FieldBirthdate: req.Birthdate, portal.FieldMemberNumber: req.MemberNumber,
	} {
		if v != "" && allowed[k] && len(v) <= maxValue {
			fields[k] = v
		}
	}
	if len(fields) == 0 {
		return errors.New("offline: empty recovery request")
	}
	q := loadQueue()
	q[p.ID] = queued{Fields: fields, Lang: req.Lang, At: now().Unix()}
	saveQueue(q)
	changed()
	return nil
}

// Pending returns the request of the portal that waits for the network.
func Pending(portalID string) (api.RecoveryRequest, bool) {
	q, ok := loadQueue()[portalID]
	if !ok {
		return api.RecoveryRequest{}, false
	}
	return q.request(), true
}

// Cancel forgets the portal's waiting request.
func Cancel(portalID string) {
	q := loadQueue()
	if _, ok := q[portalID]; !ok {
		return
	}
	delete(q, portalID)
	saveQueue(q)
	changed()
}

func (q queued) request() api.RecoveryRequest {
	return api.RecoveryRequest{
		Email: q.Fields[portal.FieldEmail], NIR: q.Fields[portal.FieldNIR],
		Birthdate: q.Fields[portal.FieldBirthdate], MemberNumber: q.Fields[portal.FieldMemberNumber],
		Lang: q.Lang,
	}
}

func loadQueue() map[string]queued {
	q := map[string]queued{}
	if raw, ok := store.get(queueKey); ok && json.Unmarshal([]byte(raw), &q) != nil {
		q = map[string]queued{}
	}
	return q
}

func saveQueue(q map[string]queued) {
	if len(q) == 0 {
		store.remove(queueKey)
		return
	}
	b, _ := json.Marshal(q)
	store.set(queueKey, string(b))
}

func hasPending() bool { return len(loadQueue()) > 0 }

// Outcome is how a queued request ended: accepted (Err nil, Accepted is the
// answer) or refused by the server (Err is the *client.Error).
type Outcome struct {
	Request  api.RecoveryRequest
	Accepted api.RecoveryAccepted
	Err      error
}

var outcomes = struct {
	sync.Mutex
	m map[string]Outcome
}{m: map[string]Outcome{}}

// TakeOutcome returns, once, how the portal's queued request ended, if it
// was sent since the last call.
func TakeOutcome(portalID string) (Outcome, bool) {
	outcomes.Lock()
	defer outcomes.Unlock()
	o, ok := outcomes.m[portalID]
	delete(outcomes.m, portalID)
	return o, ok
}

// Sender sends one recovery request: client.Client.StartRecovery's shape.
type Sender func(portalID string, req api.RecoveryRequest) (api.RecoveryAccepted, error)

var sender atomic.Pointer[Sender]

// SetSender replaces the function that sends queued requests (default: a
// French client.Client over fetch). For tests, or a client of the page's.
func SetSender(s Sender) {
	if s == nil {
		sender.Store(nil)
		return
	}
	sender.Store(&s)
}

func send(portalID string, req api.RecoveryRequest) (api.RecoveryAccepted, error) {
	if s := sender.Load(); s != nil {
		return (*s)(portalID, req)
	}
	return (&client.Client{Lang: req.Lang}).StartRecovery(portalID, req)
}

var (
	flushing atomic.Bool
	again    atomic.Bool
	retry    = struct {
		sync.Mutex
		timer *time.Timer
		delay time.Duration
	}{}
)

// Flush sends every queued request now, one after the other. It blocks:
// call it off the UI goroutine (go offline.Flush()). A request that gets no
// answer (or a 502/503/504) stays queued and is tried again later; any other
// answer ends it, and TakeOutcome gives it to the screen.
func Flush() {
	if !flushing.CompareAndSwap(false, true) {
		again.Store(true)
		return
	}
	defer func() {
		flushing.Store(false)
		if again.Swap(false) && hasPending() && Online() {
			go Flush()
		}
	}()
	for id, q := range loadQueue() {
		res, err := send(id, q.request())
		if errors.Is(err, client.ErrOffline) || isUnavailable(err) {
			scheduleRetry()
			changed()
			return
		}
		cur := loadQueue()
		if c, ok := cur[id]; ok && c.At == q.At {
			delete(cur, id)
			saveQueue(cur)
		}
		if err == nil {
			Draft{Portal: id, Screen: ForgotScreen}.Clear()
		}
		outcomes.Lock()
		outcomes.m[id] = Outcome{Request: q.request(), Accepted: res, Err: err}
		outcomes.Unlock()
		resetRetry()
		changed()
	}
}

func isUnavailable(err error) bool {
	p := client.ProblemOf(err)
	return p != nil && (p.Status == 502 || p.Status == 503 || p.Status == 504)
}

// scheduleRetry tries the queue again after a growing delay (5 s to 1 min),
// for the case where the browser believes it is online and no event will
// come: a server down, a captive portal.
func scheduleRetry() {
	retry.Lock()
	defer retry.Unlock()
	if retry.timer != nil {
		return
	}
	switch {
	case retry.delay == 0:
		retry.delay = 5 * time.Second
	case retry.delay < time.Minute:
		retry.delay *= 2
	}
	retry.timer = time.AfterFunc(retry.delay, func() {
		retry.Lock()
		retry.timer = nil
		retry.Unlock()
		state.Lock()
		nav := state.navOnline
		state.Unlock()
		if nav && hasPending() {
			Flush()
		}
	})
}

func resetRetry() {
	retry.Lock()
	defer retry.Unlock()
	retry.delay = 0
}

// ---------------------------------------------------------------------------
// Storage

// storage is localStorage in the browser, a map elsewhere.
type storage interface {
	get(key string) (string, bool)
	set(key, value string)
	remove(key string)
}

// memStore is the storage outside the browser, and the browser's when
// localStorage is unavailable (disabled, full, private mode).
type memStore struct {
	sync.Mutex
	m map[string]string
}

func (s *memStore) get(k string) (string, bool) {
	s.Lock()
	defer s.Unlock()
	v, ok := s.m[k]
	return v, ok
}

func (s *memStore) set(k, v string) {
	s.Lock()
	defer s.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[k] = v
}

func (s *memStore) remove(k string) {
	s.Lock()
	defer s.Unlock()
	delete(s.m, k)
}
