package browser

import "syscall"

// procAttr makes the kernel stop Chromium should the test process die
// without cleaning up.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
