package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPrecompress(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "app.wasm")
	raw := []byte(strings.Repeat("\x00asm sésame ", 5000))
	if err := os.WriteFile(name, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// An older .br is replaced.
	if err := os.WriteFile(name+".br", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := precompress(name, 5, 22); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name + ".br")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := io.ReadAll(brotli.NewReader(f))
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("round trip: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("leftover files: %v", entries)
	}
	if err := precompress(filepath.Join(dir, "missing"), 5, 22); err == nil {
		t.Error("no error for a missing file")
	}
}
