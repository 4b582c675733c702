// Command sesame runs the Sésame edge server.
//
//	SESAME_DEV=1 sesame      # development: demo accounts, mailbox at /dev/mail
//
// Every setting is a SESAME_* variable or a field of the JSON file named by
// SESAME_CONFIG; see the README.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Paris time without the system's zoneinfo

	"sesame/server/config"
	"sesame/server/sesame"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sesame:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, nil)
	if cfg.Dev {
		h = slog.NewTextHandler(os.Stderr, nil)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	if !cfg.Captcha {
		log.Warn("captchas are off (SESAME_CAPTCHA=off): only for automated and load tests")
	}
	srv, err := sesame.New(cfg, sesame.Options{Logger: log, Version: version, WebDir: os.Getenv("SESAME_WEB_DIR")})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Dev {
		demo, err := sesame.SeedDemo(ctx, srv)
		if err != nil {
			srv.Close()
			return err
		}
		fmt.Print(demo)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Printf("\nSésame écoute sur %s — ouvrez %s\n", ln.Addr(), cfg.PublicURL)
	if srv.Mailbox != nil {
		fmt.Printf("Boîte mail de développement : %s/dev/mail\n\n", cfg.PublicURL)
	}
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "version", version)
	return srv.Serve(ctx, ln)
}
