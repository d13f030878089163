package authtest

import "syscall"

// sysProcAttr asks the kernel to stop the auth process when this one dies
// (a test binary killed by a timeout runs no clean-up): otherwise it would
// keep its ports and database connections.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
