// Command precompress writes FILE.br next to each FILE, compressed with
// brotli, and prints the raw, gzip -9 and brotli sizes:
//
//	go run ./server/cmd/precompress web/app.wasm
//
// The web server (server/webui) serves web/app.wasm.br with
// Content-Encoding: br to clients that accept it.
//
// Quality 10 is the default: on a 7.4 MB app.wasm and this 2-core machine,
// quality 11 takes about 21–26 s for 1.2 % less than quality 10 (about 11 s);
// quality 9 takes about 1.3 s but is 12 % larger. The 16 MB window
// (lgwin 24) gains a little more on large files; every browser decodes it.
//
// The .br file is written to a temporary file in the same directory, checked
// by decompressing it, then renamed: a reader never sees a partial file.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("q", 10, "brotli quality, 0–11")
	lgwin := flag.Int("lgwin", 24, "brotli window, log2 of its size in bytes, 10–24")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: precompress [-q quality] [-lgwin bits] FILE...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || *quality < 0 || *quality > 11 || *lgwin < 10 || *lgwin > 24 {
		flag.Usage()
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		if err := precompress(name, *quality, *lgwin); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

func precompress(name string, quality, lgwin int) error {
	start := time.Now()
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}

	// gzip -9 only measures, for comparison; it runs beside brotli.
	gzSize := make(chan int64, 1)
	go func() {
		var n countWriter
		zw, _ := gzip.NewWriterLevel(&n, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
		gzSize <- int64(n)
	}()

	var br bytes.Buffer
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: quality, LGWin: lgwin})
	if _, err := bw.Write(raw); err != nil {
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}
	brTime := time.Since(start)

	back, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br.Bytes())))
	if err != nil || !bytes.Equal(back, raw) {
		return fmt.Errorf("%s: brotli round trip failed (%v)", name, err)
	}

	out := name + ".br"
	if err := writeAtomic(out, br.Bytes()); err != nil {
		return err
	}

	gz := <-gzSize
	fmt.Printf("%s: raw %s, gzip -9 %s (%.1f %%), brotli q%d %s (%.1f %%) -> %s in %.1f s\n",
		name, size(int64(len(raw))),
		size(gz), pct(gz, len(raw)),
		quality, size(int64(br.Len())), pct(int64(br.Len()), len(raw)),
		out, brTime.Seconds())
	return nil
}

// writeAtomic writes b to name through a temporary file and a rename.
func writeAtomic(name string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(errors.New("writing "+name), err)
	}
	return os.Rename(f.Name(), name)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

func size(n int64) string { return fmt.Sprintf("%d B (%.2f MB)", n, float64(n)/1e6) }

func pct(n int64, of int) float64 { return 100 * float64(n) / float64(of) }
