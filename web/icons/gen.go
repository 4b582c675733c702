//go:build ignore

// Command gen draws Sésame's icons: a white padlock on a dark blue
// (#1d3f8f) square, with simple geometry and the standard library only.
//
// The PNGs it writes are committed source assets; run it again only to change
// the design:
//
//	cd web/icons && go run gen.go
//
// It writes, in the current directory:
//
//	icon-192.png      192×192, rounded square (manifest "any", apple-touch)
//	icon-512.png      512×512, rounded square (manifest "any")
//	maskable-512.png  512×512, full-bleed square, padlock inside the central
//	                  80 % safe zone (manifest "maskable")
//	favicon-32.png    32×32, rounded square, larger padlock
//	icon.svg          the same design as a vector (favicon for browsers that
//	                  take SVG)
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"math"
	"os"
)

var (
	blue  = color.RGBA{0x1d, 0x3f, 0x8f, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Padlock geometry, in glyph units: the glyph is centred on (0, 0) and spans
// about ±0.8 horizontally and ±0.95 vertically.
const (
	bodyX0, bodyX1   = -0.8, 0.8
	bodyY0, bodyY1   = -0.15, 0.95
	bodyR            = 0.15
	shackleCY        = -0.4  // centre of the shackle's arc
	shackleR         = 0.44  // radius of the arc's centre line
	shackleW         = 0.22  // stroke width
	shackleLegBottom = -0.05 // legs run into the body
	holeCY, holeR    = 0.3, 0.16
	slotHalfW        = 0.065
	slotBottom       = 0.68
)

// icon describes one output.
type icon struct {
	name    string
	size    int
	corner  float64 // background corner radius, fraction of the side; 0 = full bleed
	scale   float64 // canvas fraction per glyph unit
	samples int     // supersampling per axis
}

func main() {
	icons := []icon{
		{name: "icon-192.png", size: 192, corner: 0.2, scale: 0.33, samples: 4},
		{name: "icon-512.png", size: 512, corner: 0.2, scale: 0.33, samples: 4},
		// The farthest padlock point is about 1.2 glyph units from the
		// centre: 1.2 × 0.3 = 0.36 < 0.40, the radius of the safe zone.
		{name: "maskable-512.png", size: 512, corner: 0, scale: 0.3, samples: 4},
		{name: "favicon-32.png", size: 32, corner: 0.2, scale: 0.4, samples: 8},
	}
	for _, ic := range icons {
		if err := writePNG(ic); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile("icon.svg", []byte(svg(0.2, 0.33)), 0o644); err != nil {
		log.Fatal(err)
	}
}

func writePNG(ic icon) error {
	img := image.NewRGBA(image.Rect(0, 0, ic.size, ic.size))
	draw.Draw(img, img.Bounds(), image.Transparent, image.Point{}, draw.Src)
	n := ic.samples
	for py := 0; py < ic.size; py++ {
		for px := 0; px < ic.size; px++ {
			var r, g, b, a int
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					// Canvas coordinates in [0, 1].
					u := (float64(px) + (float64(sx)+0.5)/float64(n)) / float64(ic.size)
					v := (float64(py) + (float64(sy)+0.5)/float64(n)) / float64(ic.size)
					c, ok := sample(u, v, ic)
					if !ok {
						continue
					}
					r += int(c.R)
					g += int(c.G)
					b += int(c.B)
					a += int(c.A)
				}
			}
			k := n * n
			img.SetRGBA(px, py, color.RGBA{uint8(r / k), uint8(g / k), uint8(b / k), uint8(a / k)})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes\n", ic.name, buf.Len())
	return os.WriteFile(ic.name, buf.Bytes(), 0o644)
}

// sample returns the colour at canvas point (u, v), or false outside the
// background shape (transparent).
func sample(u, v float64, ic icon) (color.RGBA, bool) {
	if ic.corner > 0 && !inRoundRect(u, v, 0, 0, 1, 1, ic.corner) {
		return color.RGBA{}, false
	}
	x := (u - 0.5) / ic.scale
	y := (v - 0.5) / ic.scale
	if inGlyph(x, y) {
		return white, true
	}
	return blue, true
}

func inGlyph(x, y float64) bool {
	if inRoundRect(x, y, bodyX0, bodyY0, bodyX1, bodyY1, bodyR) {
		// The keyhole is cut out of the body.
		hole := math.Hypot(x, y-holeCY) <= holeR ||
			(math.Abs(x) <= slotHalfW && y >= holeCY && y <= slotBottom)
		return !hole
	}
	return inShackle(x, y)
}

// inShackle reports whether (x, y) is within half the stroke width of the
// shackle's centre line: an upper half circle and two vertical legs.
func inShackle(x, y float64) bool {
	half := shackleW / 2
	switch {
	case y <= shackleCY:
		return math.Abs(math.Hypot(x, y-shackleCY)-shackleR) <= half
	case y <= shackleLegBottom:
		return math.Abs(math.Abs(x)-shackleR) <= half
	}
	return false
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

// svg draws the same design in a 0..100 viewBox.
func svg(corner, scale float64) string {
	k := 100 * scale
	px := func(g float64) float64 { return 50 + g*k }
	f := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">`+"\n")
	fmt.Fprintf(&b, `<rect width="100" height="100" rx="%s" fill="#1d3f8f"/>`+"\n", f(100*corner))
	fmt.Fprintf(&b, `<path d="M%s %sV%sA%s %s 0 0 1 %s %sV%s" fill="none" stroke="#fff" stroke-width="%s"/>`+"\n",
		f(px(-shackleR)), f(px(shackleLegBottom)), f(px(shackleCY)),
		f(shackleR*k), f(shackleR*k), f(px(shackleR)), f(px(shackleCY)), f(px(shackleLegBottom)),
		f(shackleW*k))
	fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="#fff"/>`+"\n",
		f(px(bodyX0)), f(px(bodyY0)), f((bodyX1-bodyX0)*k), f((bodyY1-bodyY0)*k), f(bodyR*k))
	fmt.Fprintf(&b, `<circle cx="50" cy="%s" r="%s" fill="#1d3f8f"/>`+"\n", f(px(holeCY)), f(holeR*k))
	fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#1d3f8f"/>`+"\n",
		f(px(-slotHalfW)), f(px(holeCY)), f(2*slotHalfW*k), f((slotBottom-holeCY)*k))
	b.WriteString("</svg>\n")
	return b.String()
}
