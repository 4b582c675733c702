package captcha

import (
	"embed"
	"strconv"
	"sync"
)

// French voice, generated at development time by voice/gen.sh (espeak-ng,
// voice fr+f3, sox): raw PCM, 8000 Hz, mono, 16-bit signed little-endian.
// fr/0.raw … fr/9.raw are "zéro" … "neuf"; fr/intro.raw is "Veuillez
// recopier les chiffres suivants.".
//
//go:embed voice/fr/*.raw
var voiceFS embed.FS

const voiceRate = 8000 // Hz

// voiceSet is the decoded voice, samples scaled to [-1, 1).
type voiceSet struct {
	digits [10][]float32
	intro  []float32
}

// voice decodes the embedded recordings once; the result is never modified.
var voice = sync.OnceValue(func() *voiceSet {
	v := &voiceSet{intro: decodeClip("intro")}
	for d := range v.digits {
		v.digits[d] = decodeClip(strconv.Itoa(d))
	}
	return v
})

func decodeClip(name string) []float32 {
	b, err := voiceFS.ReadFile("voice/fr/" + name + ".raw")
	if err != nil || len(b) < 2 {
		panic("captcha: missing embedded voice " + name) // a build-time asset
	}
	out := make([]float32, len(b)/2)
	for i := range out {
		out[i] = float32(int16(uint16(b[2*i])|uint16(b[2*i+1])<<8)) / 32768
	}
	return out
}
