// Package blocklist tells whether a password is one of the most common ones.
//
// The list (common.txt, 13,000+ entries, lower case, NFC, sorted by bytes)
// joins the 10,000 most frequent leaked passwords and the 3,000 most frequent
// French words of the zxcvbn-ts dictionaries (MIT licence) with a hand-made
// list of common French passwords (french-extra.txt). gen.js rebuilds it:
//
//	npm install @zxcvbn-ts/language-common@4 @zxcvbn-ts/language-fr@4
//	node gen.js french-extra.txt common.txt && LC_ALL=C sort -u -o common.txt common.txt
//
// The file is embedded as one string and searched by bisection over its line
// starts, so the Wasm bundle pays only for the text itself.
package blocklist

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
)

//go:embed common.txt
var list string

// index holds the offset of every line start; it is computed once and never
// changes afterwards.
var index = sync.OnceValue(func() []int32 {
	starts := make([]int32, 0, 14000)
	for i := 0; i < len(list); {
		starts = append(starts, int32(i))
		nl := strings.IndexByte(list[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return starts
})

func line(starts []int32, i int) string {
	s := list[starts[i]:]
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[:nl]
	}
	return s
}

// Contains reports whether the lower-cased, NFC-normalised word is listed.
// Callers normalise; Contains compares bytes.
func Contains(word string) bool {
	starts := index()
	i := sort.Search(len(starts), func(i int) bool { return line(starts, i) >= word })
	return i < len(starts) && line(starts, i) == word
}

// Len is the number of listed passwords.
func Len() int { return len(index()) }
