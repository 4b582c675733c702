//go:build ignore

// Sample writes one challenge's image and audio to a folder, to look at and
// listen to during development:
//
//	go run -tags sesame_testhooks ./server/captcha/sample.go -o /tmp/captcha
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/captcha"
)

func main() {
	out := flag.String("o", ".", "output folder")
	flag.Parse()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	s, err := captcha.New(db, captcha.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	id, _, err := s.Create(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, f := range []struct {
		name  string
		write func(context.Context, *os.File) error
	}{
		{"captcha.png", func(ctx context.Context, w *os.File) error { return s.WriteImage(ctx, w, id) }},
		{"captcha.wav", func(ctx context.Context, w *os.File) error { return s.WriteAudio(ctx, w, id) }},
	} {
		w, err := os.Create(filepath.Join(*out, f.name))
		if err != nil {
			log.Fatal(err)
		}
		if err := f.write(ctx, w); err != nil {
			log.Fatal(err)
		}
		if err := w.Close(); err != nil {
			log.Fatal(err)
		}
	}
	answer, err := s.Peek(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer)
}
