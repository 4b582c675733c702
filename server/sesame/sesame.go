// Package sesame wires the edge server together from its configuration:
// Badger, the Argon2id hasher, the limiter, the mail outbox and its sender,
// the journeys and the web app. Each package gets the few collaborators it
// uses; nothing is global.
package sesame

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sesame/server/account"
	"sesame/server/admin"
	"sesame/server/badgerdb"
	"sesame/server/captcha"
	"sesame/server/clientip"
	"sesame/server/config"
	"sesame/server/devmail"
	"sesame/server/httpapi"
	"sesame/server/limit"
	"sesame/server/mail"
	"sesame/server/outbox"
	"sesame/server/passhash"
	"sesame/server/passkey"
	"sesame/server/portals"
	"sesame/server/recovery"
	"sesame/server/session"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/server/webui"
	"sesame/shared/portal"
)

// Options are what the command adds to the configuration.
type Options struct {
	Logger  *slog.Logger
	Version string // build version for the web app's caches
	WebDir  string // default "web"
	// Sender replaces the SMTP or development sender (tests).
	Sender outbox.Sender
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Server is the assembled edge server.
type Server struct {
	Config   config.Config
	DB       *badger.DB
	Store    *store.Store
	Outbox   *outbox.Outbox
	Mailbox  *devmail.Mailbox // development mailbox, nil with SMTP
	Captcha  *captcha.Service // nil when captchas are off
	Sessions *session.Manager
	Importer *admin.Importer
	Handler  http.Handler
	log      *slog.Logger
	paris    *time.Location
	// syncer makes commits durable, one fsync for many (group commit).
	syncer *badgerdb.Syncer
	// limits counts in memory and writes behind to Badger.
	limits *limit.BadgerStore
}

// New opens the database and builds every part.
func New(cfg config.Config, o Options) (*Server, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return nil, fmt.Errorf("sesame: Paris time zone: %w", err)
	}
	// With synced writes, Badger does not sync each commit itself: the
	// writes a user is told about (the store's, EnqueueNow's) wait for
	// the Syncer, which syncs once for every commit waiting at the time.
	db, syncer, err := badgerdb.OpenGroupCommit(badgerdb.Options{Dir: cfg.DataDir, SyncWrites: cfg.SyncWrites, Logger: log})
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, DB: db, log: log, paris: paris, syncer: syncer}
	if err := s.build(o); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) build(o Options) error {
	cfg, log := s.Config, s.log
	secret := cfg.Secret()
	tokens, err := token.NewHasher(token.Derive(secret, "tokens"))
	if err != nil {
		return err
	}
	argon, err := passhash.New(cfg.HashParams(), cfg.HashesInFlight, 4*1024, passhash.MaxWait(hashWait))
	if err != nil {
		return fmt.Errorf("sesame: hasher: %w", err)
	}
	hasher := hashing{h: argon, now: o.Now}
	renderer, err := mail.New(cfg.PublicURL, cfg.PortalList(), s.paris)
	if err != nil {
		return fmt.Errorf("sesame: mail: %w", err)
	}
	sender := o.Sender
	switch {
	case sender != nil:
	case cfg.SMTPURL != "":
		if sender, err = outbox.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return fmt.Errorf("sesame: SESAME_SMTP_URL: %w", err)
		}
	case cfg.Dev:
		s.Mailbox = &devmail.Mailbox{}
		sender = s.Mailbox
	default:
		return errors.New("sesame: no SESAME_SMTP_URL: mail has nowhere to go outside development (SESAME_DEV=1 shows it at /dev/mail)")
	}
	s.Outbox, err = outbox.New(s.DB, token.Derive(secret, "outbox"), renderer, sender, outbox.Options{Workers: cfg.MailWorkers, Logger: log, Now: o.Now, Syncer: s.syncer})
	if err != nil {
		return fmt.Errorf("sesame: outbox: %w", err)
	}
	s.Store = store.New(s.DB, s.Outbox, o.Now, store.WithSyncer(s.syncer))
	// Counters live in memory and are flushed every 100 ms: a crash of
	// the process forgets at most that much of them (see package limit).
	s.limits = limit.NewBadgerStore(s.DB, "l/", limit.WithClock(o.Now), limit.WithSyncer(s.syncer), limit.WithLogger(log))
	regulator := limit.NewRegulator(s.limits)
	proxies, err := cfg.Proxies()
	if err != nil {
		return err
	}
	ips, err := clientip.New(proxies, cfg.ProxyHeader)
	if err != nil {
		return fmt.Errorf("sesame: proxies: %w", err)
	}
	clientKey := func(r *http.Request) string { return clientip.Key(ips.IP(r)) }
	list := cfg.PortalList()
	find := func(id string) (portal.Config, bool) { return portal.Find(list, id) }
	secure := strings.HasPrefix(cfg.PublicURL, "https://")

	if cfg.Captcha {
		s.Captcha, err = captcha.New(s.DB, captcha.Options{Now: o.Now, Allow: func(ctx context.Context) error { return nil }, Sync: s.syncer.Sync})
		if err != nil {
			return err
		}
	}
	s.Sessions = &session.Manager{
		Store: s.Store, Hasher: hasher, Limiter: regulator, Tokens: tokens, Portals: find, ClientKey: clientKey,
		Secure: secure, Idle: cfg.SessionIdle.D(), Absolute: cfg.SessionAbsolute.D(), Now: o.Now, Log: log,
		Limited: func(until time.Time) error { return recovery.Limited(until, s.paris, false) },
	}
	rec := &recovery.Service{
		Store: s.Store, Hasher: hasher, Limiter: regulator, Tokens: tokens, MaskKey: token.Derive(secret, "mask"),
		Portals: find, ClientKey: clientKey, Cookies: recovery.CookieConfig{Secure: secure}, Paris: s.paris, Now: o.Now, Log: log,
		AfterReset: func(ctx context.Context, a store.Account) {
			p, _ := find(a.Portal)
			for _, key := range []string{a.NIR, a.EmailKey, a.MemberNumber} {
				if key != "" {
					_ = s.Sessions.ResetFailures(ctx, p, key)
				}
			}
		},
	}
	if s.Captcha != nil {
		rec.Captcha = s.Captcha
		s.Sessions.Captcha = s.Captcha
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(outboxCollector{s.Outbox}, syncCollector{s.syncer})
	api := httpapi.New(log, cfg.PublicURL, reg)
	(&portals.Handler{List: list}).Routes(api.Mux, api.Wrap)
	rec.Routes(api.Mux, api.Wrap)
	s.Sessions.Routes(api.Mux, api.Wrap)
	(&account.Handler{
		Store: s.Store, Sessions: s.Sessions, Limiter: regulator, Tokens: tokens,
		NewPassword: rec.NewPassword, Portals: find, Paris: s.paris, Now: o.Now, Log: log,
	}).Routes(api.Mux, api.Wrap)
	rp, err := passkey.RelyingParty(cfg.PublicURL)
	if err != nil {
		// Browsers refuse an IP address as relying party: passkeys stay
		// off (503) rather than the whole server.
		log.Warn("passkeys off: SESAME_PUBLIC_URL must name a host, not an IP address", "err", err)
		rp = nil
	}
	(&passkey.Handler{
		RP: rp, Store: s.Store, Sessions: s.Sessions, Limiter: regulator, Tokens: tokens,
		Portals: find, ClientKey: clientKey, Secure: secure, Now: o.Now, Log: log,
		Limited: func(until time.Time) error { return recovery.Limited(until, s.paris, false) },
	}).Routes(api.Mux, api.Wrap)
	s.Importer = &admin.Importer{Token: cfg.AdminToken, Store: s.Store, Hasher: hasher, Portals: find, Now: o.Now}
	s.Importer.Routes(api.Mux, api.Wrap)
	captchaRoutes(api, s.Captcha, regulator, clientKey, s.paris)
	api.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	api.Mux.HandleFunc("GET /readyz", s.ready)
	api.Mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if s.Mailbox != nil {
		api.Mux.Handle("GET /dev/mail", s.Mailbox)
	}
	debugRoutes(api.Mux, cfg.Dev)
	api.Mux.Handle("/", webui.Handler(webui.Options{WebDir: o.WebDir, Version: o.Version}))
	s.Handler = api.Handler()
	return nil
}

// ready answers 200 once the database answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.View(func(txn *badger.Txn) error { return nil }); err != nil || s.DB.IsClosed() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// gcPercent is the garbage collector's target while serving, unless GOGC
// is set: the heap is mostly large pointer-free buffers (Badger's
// memtables and table builders, Argon2id blocks), cheap to collect, so
// collecting at 1.5 times the live heap rather than twice costs little CPU
// and keeps the resident set about 25 MB lower under load.
const gcPercent = 50

// Serve runs the HTTP server on ln, the outbox, the rate-limit flusher and
// the value-log GC until ctx ends, then shuts down gracefully, writes the
// rate-limit counters and closes the database.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	hs := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	bg, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Outbox.Run(bg); err != nil {
			s.log.Error("outbox stopped", "err", err)
		}
	})
	wg.Go(func() {
		// Returns after a last flush, before the database closes.
		if err := s.limits.Run(bg); err != nil {
			s.log.Error("rate-limit counters not flushed", "err", err)
		}
	})
	wg.Go(func() { badgerdb.RunGC(bg, s.DB, 5*time.Minute) })

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)
	stop()
	wg.Wait()
	if cerr := s.DB.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database of a server that was never served, after
// writing its rate-limit counters.
func (s *Server) Close() error {
	if err := s.limits.Flush(context.Background()); err != nil {
		s.log.Error("rate-limit counters not flushed", "err", err)
	}
	return s.DB.Close()
}

// outboxCollector exports the outbox counters.
type outboxCollector struct{ o *outbox.Outbox }

var (
	descDelivered = prometheus.NewDesc("sesame_mail_delivered_total", "Mails delivered.", nil, nil)
	descRetried   = prometheus.NewDesc("sesame_mail_retried_total", "Mail delivery attempts that failed and will be retried.", nil, nil)
	descDead      = prometheus.NewDesc("sesame_mail_dead_total", "Mails given up.", nil, nil)
	descPending   = prometheus.NewDesc("sesame_mail_pending", "Mails waiting in the outbox.", nil, nil)
)

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descDelivered
	ch <- descRetried
	ch <- descDead
	ch <- descPending
}

// syncCollector exports the group commit's counters: calls per sync is
// how many commits an fsync carried.
type syncCollector struct{ s *badgerdb.Syncer }

var (
	descSyncs     = prometheus.NewDesc("sesame_db_syncs_total", "Syncs of the database (group commits).", nil, nil)
	descSyncCalls = prometheus.NewDesc("sesame_db_sync_waits_total", "Commits that waited for a sync.", nil, nil)
	descSyncTime  = prometheus.NewDesc("sesame_db_sync_seconds_total", "Time spent syncing the database.", nil, nil)
)

func (c syncCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSyncs
	ch <- descSyncCalls
	ch <- descSyncTime
}

func (c syncCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	ch <- prometheus.MustNewConstMetric(descSyncs, prometheus.CounterValue, float64(st.Rounds))
	ch <- prometheus.MustNewConstMetric(descSyncCalls, prometheus.CounterValue, float64(st.Calls))
	ch <- prometheus.MustNewConstMetric(descSyncTime, prometheus.CounterValue, st.Busy.Seconds())
}

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.o.Stats()
	ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(st.Delivered))
	ch <- prometheus.MustNewConstMetric(descRetried, prometheus.CounterValue, float64(st.Retried))
	ch <- prometheus.MustNewConstMetric(descDead, prometheus.CounterValue, float64(st.Dead))
	if n, err := c.o.Pending(context.Background()); err == nil {
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(n))
	}
}
