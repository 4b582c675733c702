package main

import (
	"encoding/json"
	"time"
)

// runFigures is one run's figures as a JSON line, for the report
// assembler (server/cmd/benchreport).
type runFigures struct {
	Scenario    string    `json:"scenario"`
	Started     time.Time `json:"started"`
	Cores       int       `json:"cores"`
	Concurrency int       `json:"concurrency"`
	Requests    int       `json:"requests_per_op"`
	Accounts    int       `json:"accounts"`
	Prepared    bool      `json:"prepared_db"` // -data-dir: a seeded database of Accounts accounts
	Rate        float64   `json:"rate,omitempty"`
	Measured    float64   `json:"measured_s"`
	Ops         uint64    `json:"ops"`
	RPS         float64   `json:"rps"`
	P50         float64   `json:"p50_ms"`
	P99         float64   `json:"p99_ms"`
	P999        float64   `json:"p999_ms"`
	Max         float64   `json:"max_ms"`
	Errors      int64     `json:"errors"`
	RSS         float64   `json:"peak_rss_mb"`
	RSSLife     float64   `json:"peak_rss_life_mb"`
	Startup     float64   `json:"startup_s"`
	DiskBefore  float64   `json:"disk_before_mb,omitempty"`
	DiskAfter   float64   `json:"disk_after_mb"`
	Mails       int64     `json:"mails"`
	ServerCores float64   `json:"server_cores"`        // CPU the server used during the measured window
	CPUBefore   float64   `json:"cpu_pressure_before"` // % of the last 10 s some task waited for a CPU; -1: unknown
	CPUAfter    float64   `json:"cpu_pressure_after"`
	Exhausted   bool      `json:"supply_exhausted,omitempty"`
	Note        string    `json:"note,omitempty"`
}

func (r *result) figures() runFigures {
	msf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	h := &r.hist
	f := runFigures{
		Scenario: r.o.scenario, Started: r.started.UTC(), Cores: r.cores, Concurrency: r.o.concurrency, Requests: r.requests,
		Accounts: r.accounts, Prepared: r.o.dataDir != "", Rate: r.rate,
		Measured: r.measured.Seconds(), Ops: h.n, RPS: r.rps(),
		P50: msf(h.quantile(0.5)), P99: msf(h.quantile(0.99)), P999: msf(h.quantile(0.999)), Max: msf(h.max),
		Errors: r.errors(), RSS: float64(r.rssSteady) * 1024 / 1e6, RSSLife: float64(r.rssLife) * 1024 / 1e6,
		Startup: r.startup.Seconds(), DiskBefore: float64(r.diskBefore) / 1e6, DiskAfter: float64(r.diskAfter) / 1e6,
		Mails: r.mails, CPUBefore: r.cpuBefore, CPUAfter: r.cpuAfter, Exhausted: r.exhausted > 0, Note: r.o.note,
	}
	if r.measured > 0 {
		f.ServerCores = r.serverCPU.Seconds() / r.measured.Seconds()
	}
	return f
}

// jsonLine is figures as one line of JSON.
func (r *result) jsonLine() string {
	b, err := json.Marshal(r.figures())
	if err != nil {
		panic(err) // plain fields: cannot fail
	}
	return string(b) + "\n"
}
