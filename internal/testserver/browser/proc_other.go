//go:build !linux

package browser

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
