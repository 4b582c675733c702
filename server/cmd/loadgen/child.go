package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is the server under test, run as a child process.
type child struct {
	cmd        *exec.Cmd
	base       string // http://host:port
	adminToken string
	dir        string // temp dir: the server's output (and data/ unless -data-dir)
	dataDir    string
	logPath    string
	log        *os.File
	exited     chan struct{}
	waitErr    error

	rss *rssSampler

	probeBefore [2]time.Duration // fsync p50, p99 in dir before the start
	readyAfter  time.Duration    // from the start of the process to /readyz 200
	diskBefore  int64            // bytes in the data directory before the start
}

// limitsEnv raises every budget far above what a load run can spend, so
// that the run measures the work, not the refusals.
var limitsEnv = []string{
	"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER=1000000-H",
	"SESAME_LIMIT_RECOVERY_PER_IP=100000000-H",
	"SESAME_LIMIT_CODE_SENDS_PER_FLOW=1000000-H",
	"SESAME_LIMIT_LINK_CHECKS_PER_IP=100000000-H",
	"SESAME_LIMIT_SIGN_IN_PER_IP=100000000-H",
	"SESAME_LIMIT_CHANGE_CODES_PER_ACCOUNT=1000000-H",
}

// childEnv is the server's environment: the inherited one without any
// SESAME_* or Go runtime tuning variable, plus the bench settings.
func childEnv(inherited []string, o options, addr, dataDir, smtpURL, secret, admin string) []string {
	var env []string
	for _, kv := range inherited {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SESAME_") || k == "GOMEMLIMIT" || k == "GOGC" || k == "GOMAXPROCS" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"SESAME_DEV=1",
		"SESAME_DATA_DIR="+dataDir,
		"SESAME_SYNC_WRITES="+onOff(o.syncWrites),
		"SESAME_CAPTCHA=off",
		"SESAME_ADDR="+addr,
		"SESAME_PUBLIC_URL=http://"+addr,
		"SESAME_SECRET_KEY="+secret,
		"SESAME_ADMIN_TOKEN="+admin,
		"SESAME_SMTP_URL="+smtpURL,
	)
	for _, kv := range limitsEnv {
		if o.limitsOff {
			k, _, _ := strings.Cut(kv, "=")
			kv = k + "=off"
		}
		env = append(env, kv)
	}
	if o.mailWorkers > 0 {
		env = append(env, "SESAME_MAIL_WORKERS="+strconv.Itoa(o.mailWorkers))
	}
	if o.goMemLimit != "" {
		env = append(env, "GOMEMLIMIT="+o.goMemLimit)
	}
	if o.goGC != "" {
		env = append(env, "GOGC="+o.goGC)
	}
	return env
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// freePort asks the kernel for a free port on host.
func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomToken returns 40 URL-safe characters.
func randomToken() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// startChild starts the server binary with a fresh data directory.
func startChild(ctx context.Context, o options, smtpURL string) (*child, error) {
	bin, err := filepath.Abs(o.server)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("server binary %s: not found (build it: go build -o %s ./server/cmd/sesame)", o.server, o.server)
	}
	dir, err := os.MkdirTemp("", "sesame-loadgen-")
	if err != nil {
		return nil, err
	}
	c := &child{dir: dir, adminToken: randomToken(), exited: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			c.cleanup()
		}
	}()
	if p50, p99, err := fsyncProbe(dir, 200); err == nil {
		c.probeBefore = [2]time.Duration{p50, p99}
	}
	port, err := freePort(o.host)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(o.host, strconv.Itoa(port))
	c.base = "http://" + addr
	c.logPath = filepath.Join(dir, "server.log")
	if o.serverLog != "" {
		c.logPath = o.serverLog
	}
	if c.log, err = os.Create(c.logPath); err != nil {
		return nil, err
	}
	c.dataDir = filepath.Join(dir, "data")
	secret := randomHex(32)
	if o.dataDir != "" {
		if c.dataDir, err = filepath.Abs(o.dataDir); err != nil {
			return nil, err
		}
		if secret, err = readSecret(o.secretFile); err != nil {
			return nil, err
		}
		if c.diskBefore, err = diskUsage(c.dataDir); err != nil {
			return nil, fmt.Errorf("-data-dir: %w", err)
		}
	}
	c.cmd = exec.Command(bin)
	c.cmd.Env = childEnv(os.Environ(), o, addr, c.dataDir, smtpURL, secret, c.adminToken)
	c.cmd.Dir, _ = os.Getwd()
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log // a file: no pipe for loadgen to drain
	c.cmd.SysProcAttr = childAttr()
	started := time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.server, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	c.rss = startRSS(c.cmd.Process.Pid, 100*time.Millisecond)
	if err := c.waitReady(ctx, 5*time.Minute); err != nil {
		return nil, err
	}
	c.readyAfter = time.Since(started)
	ok = true
	return c, nil
}

// waitReady polls /readyz until it answers 200.
func (c *child) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("the server exited before it was ready (%v):\n%s", c.waitErr, c.tail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server was not ready after %s:\n%s", limit, c.tail(20))
		}
	}
}

// stop sends SIGTERM, waits up to 20 s for a graceful stop, then kills.
func (c *child) stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	select {
	case <-c.exited:
		return fmt.Errorf("the server had already exited (%v)", c.waitErr)
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.waitErr
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return errors.New("the server did not stop within 20 s of SIGTERM: killed")
	}
}

// readSecret reads the server secret of a seeded data directory.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-secret-file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(s); err != nil || len(k) != 32 {
		return "", fmt.Errorf("-secret-file %s: want 64 hex characters", path)
	}
	return s, nil
}

// cleanup stops the server if it still runs and removes the temp dir
// (never a -data-dir, which lies outside it).
func (c *child) cleanup() {
	if c.cmd != nil && c.cmd.Process != nil {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
	if c.rss != nil {
		c.rss.stop()
	}
	if c.log != nil {
		c.log.Close()
	}
	_ = os.RemoveAll(c.dir)
}

// tail returns the last n lines of the server's output.
func (c *child) tail(n int) string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// readProcCPU returns the user and system CPU time a process has used.
func readProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseProcStat(b)
}

// parseProcStat reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line; the command name, field 2, may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseProcStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): utime is field 14, f[11]; stime f[12].
	if len(f) < 13 {
		return 0, errors.New("/proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// loadAverage returns the first three fields of /proc/loadavg and, where
// the kernel has pressure stall information, the share of the last 10 s
// some task waited for a CPU and for I/O: how busy the machine was with
// other work.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	out := strings.Join(f[:3], " ")
	for _, res := range []string{"cpu", "io"} {
		if v := pressure(res); v != "" {
			out += ", " + res + " pressure " + v + "%"
		}
	}
	return out
}

// cpuPressure is the share of the last 10 s some task waited for a CPU,
// in percent; -1 where the kernel does not say.
func cpuPressure() float64 {
	v, err := strconv.ParseFloat(pressure("cpu"), 64)
	if err != nil {
		return -1
	}
	return v
}

// pressure returns "some avg10" of /proc/pressure/<res>, or "".
func pressure(res string) string {
	b, err := os.ReadFile("/proc/pressure/" + res)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "some "); ok {
			for _, f := range strings.Fields(rest) {
				if v, ok := strings.CutPrefix(f, "avg10="); ok {
					return v
				}
			}
		}
	}
	return ""
}
