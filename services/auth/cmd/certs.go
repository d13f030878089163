package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/infrastructure/platform/internal/devpki"
)

// defaultCertsDir is where the images keep the certificates: the compose
// stack mounts its grpc-certs volume there.
const defaultCertsDir = "/certs"

// runCerts is the `auth certs` command. `auth certs init [-dir DIR]` makes
// the development CA and the certificates of the gRPC peers in DIR, or
// keeps them (devpki.Init), and prints one line per file. It reads no
// configuration, so main runs it before config.Load: the compose stack
// runs it as a one-shot service before the others start. Exit status: 0
// done, 1 failed, 2 usage.
func runCerts(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "init" {
		fmt.Fprint(stderr, certsUsage)
		return 2
	}
	fs := flag.NewFlagSet("auth certs init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, certsUsage) }
	dir := fs.String("dir", defaultCertsDir, "directory of the certificates and keys (made when missing)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "auth certs init: unexpected argument %q\n%s", fs.Arg(0), certsUsage)
		return 2
	}
	files, err := devpki.Init(*dir, devpki.Options{})
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "auth certs init: %v\n", err)
		return 1
	}
	return 0
}

const certsUsage = `usage: auth certs init [-dir DIR]
  makes in DIR (default /certs), or keeps when they are sound, a development
  CA (ca.pem, ca-key.pem) and the certificates of the gRPC peers: auth.pem
  (server: auth, localhost, 127.0.0.1, ::1), executor.pem and operator.pem
  (clients spiffe://platform/executor and spiffe://platform/operator), each
  with its -key.pem; a leaf is issued again when it is missing, unparsable,
  not signed by the CA or expiring within 30 days
`
