// Command render prints the manifests of a kustomization, as
// `kubectl kustomize DIR` does, for machines without kubectl:
//
//	cd deploy/kubernetes && go run ./cmd/render overlays/production
package main

import (
	"fmt"
	"os"

	"github.com/infrastructure/platform/deploy/kubernetes"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: render DIR   (e.g. overlays/production)")
		os.Exit(2)
	}
	out, err := kubernetes.RenderYAML(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
