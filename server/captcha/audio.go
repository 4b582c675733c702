package captcha

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"math"
	mrand "math/rand/v2"
	"time"
)

// WriteAudio writes the challenge's digits spoken in French as a WAV file
// (PCM, 8000 Hz, mono, 16-bit): "Veuillez recopier les chiffres suivants",
// then the digits one by one. It does not consume the challenge; every call
// gives the same digits but different bytes (random pauses, per-digit
// volume and speed, background noise and murmur), so recordings cannot be
// matched byte-wise. Unknown, used or expired ids give ErrNotFound and
// nothing is written.
func (s *Service) WriteAudio(ctx context.Context, w io.Writer, id string) error {
	digits, err := s.digits(ctx, id)
	if err != nil {
		return err
	}
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return err
	}
	pcm := speak(mrand.New(mrand.NewChaCha8(seed)), digits)
	_, err = w.Write(wav(pcm, voiceRate))
	return err
}

// utterance is one recording placed in the output.
type utterance struct {
	clip  int     // 0-9: that digit; introClip: the sentence
	at    int     // start, in samples
	len   int     // length once resampled, in samples
	speed float64 // >1 is faster
	gain  float32
}

const introClip = -1

// plan places the sentence then the digits, in order, with random pauses,
// speeds and volumes; total is the output length in samples.
func plan(rng *mrand.Rand, v *voiceSet, digits []byte) (us []utterance, total int) {
	dur := func(from, to time.Duration) int { // random length, in samples
		d := from + time.Duration(rng.Int64N(int64(to-from)+1))
		return int(d * voiceRate / time.Second)
	}
	between := func(from, to float64) float64 { return from + (to-from)*rng.Float64() }

	us = make([]utterance, 0, len(digits)+1)
	pos := dur(300*time.Millisecond, 700*time.Millisecond)
	us = append(us, utterance{clip: introClip, at: pos, len: len(v.intro), speed: 1, gain: float32(between(0.85, 1))})
	pos += len(v.intro) + dur(800*time.Millisecond, 1100*time.Millisecond)
	for _, d := range digits {
		u := utterance{clip: int(d), at: pos, speed: between(0.92, 1.08), gain: float32(between(0.7, 1))}
		u.len = resampledLen(len(v.digits[d]), u.speed)
		us = append(us, u)
		pos += u.len + dur(550*time.Millisecond, 950*time.Millisecond)
	}
	return us, pos - dur(0, 250*time.Millisecond) // tail of 300 to 950 ms
}

// speak renders digits as samples in [-1, 1] at voiceRate.
func speak(rng *mrand.Rand, digits []byte) []float32 {
	v := voice()
	us, total := plan(rng, v, digits)
	between := func(from, to float64) float64 { return from + (to-from)*rng.Float64() }

	out := make([]float32, total)
	// Background: light white noise, plus a murmur of reversed, quiet,
	// randomly placed digits (a person hears through it; it is a nuisance
	// for a naive recogniser).
	noise := between(0.006, 0.015)
	for i := range out {
		out[i] = float32(noise * (2*rng.Float64() - 1))
	}
	for at := rng.IntN(voiceRate); at < total; at += voiceRate/2 + rng.IntN(voiceRate) {
		c := reversed(v.digits[rng.IntN(10)])
		mix(out, at, scale(resample(c, between(0.8, 1.2)), float32(between(0.04, 0.08))))
	}
	for _, u := range us {
		c := v.intro
		if u.clip != introClip {
			c = v.digits[u.clip]
		}
		mix(out, u.at, scale(resample(c, u.speed), u.gain))
	}
	return out
}

func resampledLen(n int, speed float64) int { return int(float64(n) / speed) }

// resample changes the speed (and pitch) of c by factor speed (>1 is
// faster), with linear interpolation.
func resample(c []float32, speed float64) []float32 {
	out := make([]float32, resampledLen(len(c), speed))
	for i := range out {
		x := float64(i) * speed
		j := int(x)
		if j+1 >= len(c) {
			out[i] = c[len(c)-1]
			continue
		}
		f := float32(x - float64(j))
		out[i] = c[j]*(1-f) + c[j+1]*f
	}
	return out
}

func scale(c []float32, gain float32) []float32 {
	out := make([]float32, len(c))
	for i, x := range c {
		out[i] = x * gain
	}
	return out
}

func reversed(c []float32) []float32 {
	out := make([]float32, len(c))
	for i, x := range c {
		out[len(c)-1-i] = x
	}
	return out
}

// mix adds src into dst from offset at, clipping what does not fit.
func mix(dst []float32, at int, src []float32) {
	if at >= len(dst) {
		return
	}
	for i, x := range src[:min(len(src), len(dst)-at)] {
		dst[at+i] += x
	}
}

// wav encodes samples as a canonical 44-byte-header RIFF WAVE file, PCM
// 16-bit mono.
func wav(samples []float32, rate int) []byte {
	const header = 44
	data := 2 * len(samples)
	b := make([]byte, header+data)
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(header-8+data))
	copy(b[8:], "WAVE")
	copy(b[12:], "fmt ")
	le.PutUint32(b[16:], 16)             // fmt chunk size
	le.PutUint16(b[20:], 1)              // PCM
	le.PutUint16(b[22:], 1)              // mono
	le.PutUint32(b[24:], uint32(rate))   // sample rate
	le.PutUint32(b[28:], uint32(rate*2)) // byte rate
	le.PutUint16(b[32:], 2)              // block align
	le.PutUint16(b[34:], 16)             // bits per sample
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(data))
	for i, x := range samples {
		v := math.Round(float64(x) * 32767)
		v = max(-32768, min(32767, v))
		le.PutUint16(b[header+2*i:], uint16(int16(v)))
	}
	return b
}
