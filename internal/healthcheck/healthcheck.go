// Package healthcheck is the client side of a container's HEALTHCHECK: the
// services' images have no shell or curl, so each binary has a
// `healthcheck` command that asks its own /livez over loopback with this
// package.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Timeout bounds one check; Docker's own timeout should be longer.
const Timeout = 3 * time.Second

// URL returns the /livez URL of a server listening on listenAddr (the
// service's HTTP_ADDR; defaultAddr when empty). A wildcard or missing host
// (":8080", "0.0.0.0:8080", "[::]:8080") is reached over 127.0.0.1.
func URL(listenAddr, defaultAddr string) (string, error) {
	if listenAddr == "" {
		listenAddr = defaultAddr
	}
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR: %w", err)
	}
	if host == "" || net.ParseIP(host).IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/livez", nil
}

// Check returns nil when GET url answers 200 within Timeout. Proxies set
// in the environment are ignored: the server is local.
func Check(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return nil
}

// Run checks the server listening on listenAddr (see URL) and returns the
// process exit code: 0 when it is live, 1 otherwise, with the reason
// written to stderr under the name of the program.
func Run(stderr io.Writer, program, listenAddr, defaultAddr string) int {
	url, err := URL(listenAddr, defaultAddr)
	if err == nil {
		err = Check(context.Background(), url)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s healthcheck: %v\n", program, err)
		return 1
	}
	return 0
}
