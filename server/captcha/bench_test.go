package captcha

import (
	"context"
	"io"
	"testing"
)

func BenchmarkCreateWriteImage(b *testing.B) {
	s := newService(b, Options{})
	ctx := context.Background()
	for b.Loop() {
		id, _, err := s.Create(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.WriteImage(ctx, io.Discard, id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteAudio(b *testing.B) {
	s := newService(b, Options{})
	ctx := context.Background()
	id := create(b, s)
	for b.Loop() {
		if err := s.WriteAudio(ctx, io.Discard, id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newService(b, Options{})
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		id := create(b, s)
		a := answer(b, s, id)
		b.StartTimer()
		if err := s.Verify(ctx, id, a); err != nil {
			b.Fatal(err)
		}
	}
}
