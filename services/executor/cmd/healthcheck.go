package main

import (
	"os"

	"github.com/infrastructure/platform/internal/healthcheck"
)

// runHealthcheck is the `executor healthcheck` command, the image's
// HEALTHCHECK (a distroless or scratch image has no shell or curl): exit 0
// when the server on HTTP_ADDR answers /livez with 200, 1 otherwise. It
// reads nothing but HTTP_ADDR (default ":8081", as config.Load's), so main
// runs it before loading the configuration.
func runHealthcheck() int {
	return healthcheck.Run(os.Stderr, "executor", os.Getenv("HTTP_ADDR"), ":8081")
}
