package main

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
)

// benchLine is one result line of `go test -bench`.
type benchLine struct {
	pkg        string
	name       string // without the -GOMAXPROCS suffix
	iterations int64
	metrics    []metric // in the order printed
}

type metric struct {
	value float64
	unit  string
}

// value returns the metric with unit, if the line has it.
func (l benchLine) value(unit string) (float64, bool) {
	for _, m := range l.metrics {
		if m.unit == unit {
			return m.value, true
		}
	}
	return 0, false
}

// parseBench reads the result lines of `go test -bench` output, each with
// the package of the "pkg:" line above it. Other lines are skipped.
func parseBench(r io.Reader) ([]benchLine, error) {
	var out []benchLine
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name alone (a sub-benchmark's parent, a failure)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		l := benchLine{pkg: pkg, name: trimProcs(f[0]), iterations: n}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			l.metrics = append(l.metrics, metric{value: v, unit: f[i+1]})
		}
		if ok {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// trimProcs drops the "-N" GOMAXPROCS suffix go test adds to a name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// find returns the first line of pkg whose name starts with prefix.
func find(lines []benchLine, pkg, prefix string) (benchLine, bool) {
	for _, l := range lines {
		if (pkg == "" || l.pkg == pkg) && strings.HasPrefix(l.name, prefix) {
			return l, true
		}
	}
	return benchLine{}, false
}

// num formats a figure: whole numbers as they are, others with three
// significant digits, or one decimal from 10, none from 1000.
func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatInt(int64(v), 10)
	case v >= 1000 || v <= -1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
