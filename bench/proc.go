package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server process the bench started, with its memory sampled.
type proc struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan struct{}
	err  error

	mu         sync.Mutex
	peakRSS    int64 // VmHWM, bytes
	lastRSS    int64
	stopSample chan struct{}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs the command, waits until GET readyPath answers 200 and starts
// sampling /proc/PID/status every 100 ms.
func start(name string, cmd *exec.Cmd, port int, logTo io.Writer) (*proc, error) {
	cmd.Stdout = logTo
	cmd.Stderr = logTo
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{}), stopSample: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready: %v", name, p.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not ready after 60 s", name)
		}
	}
	go p.sample()
	return p, nil
}

func (p *proc) sample() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		p.readStatus()
		select {
		case <-p.stopSample:
			return
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

func (p *proc) readStatus() {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		p.mu.Lock()
		if k == "VmHWM" {
			p.peakRSS = max(p.peakRSS, kb<<10)
		} else {
			p.lastRSS = kb << 10
			p.peakRSS = max(p.peakRSS, kb<<10)
		}
		p.mu.Unlock()
	}
}

// cpu returns the CPU time (user + system) the process has used so far.
func (p *proc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses: utime
	// and stime are the 14th and 15th fields of the line, in clock ticks.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// peak returns the highest resident set size seen, in bytes.
func (p *proc) peak() int64 {
	p.readStatus()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakRSS
}

// stop asks the process to end (SIGTERM), and kills it after 20 s.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	p.readStatus()
	close(p.stopSample)
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// alive fails when the process has died under load.
func (p *proc) alive() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited during the run: %v", p.name, p.err)
	default:
		return nil
	}
}

func runCmd(ctx context.Context, dir string, out io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
