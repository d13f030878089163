//go:build !linux

package authtest

import "syscall"

// sysProcAttr: only Linux can tie the child's life to this process.
func sysProcAttr() *syscall.SysProcAttr { return nil }
