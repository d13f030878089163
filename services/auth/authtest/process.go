package authtest

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// process is one running auth binary.
type process struct {
	cmd    *exec.Cmd
	logs   *logBuffer
	exited chan struct{} // closed once the process has exited
	err    error         // the result of Wait, set before exited is closed
}

// launch starts the binary with exactly env.
func launch(path string, env []string, logs *logBuffer) (*process, error) {
	cmd := exec.Command(path)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = sysProcAttr()
	p := &process{cmd: cmd, logs: logs, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// On Linux the child is told to die with its parent
		// (Pdeathsig), and "parent" is the OS thread that started it:
		// keep that thread for this goroutine until the child exits,
		// so that the Go scheduler cannot retire it earlier.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// stop sends SIGTERM, waits up to grace, then kills.
func (p *process) stop(grace time.Duration) error {
	select {
	case <-p.exited:
		status := "exit status 0"
		if p.err != nil {
			status = p.err.Error()
		}
		return fmt.Errorf("authtest: auth had exited before Stop (%s)%s", status, p.quote())
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = p.cmd.Process.Kill()
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
		if p.err != nil {
			return fmt.Errorf("authtest: auth exited uncleanly after SIGTERM: %v%s", p.err, p.quote())
		}
		return nil
	case <-t.C:
		_ = p.kill()
		return fmt.Errorf("authtest: auth did not stop within %v of SIGTERM and was killed%s", grace, p.quote())
	}
}

// kill ends the process at once and waits for it.
func (p *process) kill() error {
	err := p.cmd.Process.Kill()
	<-p.exited
	return err
}

// quote is the end of the output, to append to an error.
func (p *process) quote() string {
	tail := p.logs.tail(logTail)
	if tail == "" {
		return " (no output)"
	}
	return "\n--- auth output (end) ---\n" + tail
}
