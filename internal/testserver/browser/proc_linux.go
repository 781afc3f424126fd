package browser

import (
	"os/exec"
	"syscall"
)

// procAttr makes the kernel stop Chromium should the test process die
// without cleaning up, and puts Chromium and its helper processes in a
// process group of their own, so that stopping it stops them all.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// kill stops Chromium and every process it started: renderers and
// utility processes that would otherwise go on writing to the profile
// directory while the test removes it.
func kill(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
