// Package kubernetes renders the platform's Kubernetes manifests (the
// kustomize base and overlays beside this file) with kustomize's Go API,
// as `kubectl kustomize` does, so that they can be checked without a
// cluster or a kubectl binary. The tests decode every rendered object
// strictly into its Go API type and check the invariants the README
// promises; cmd/render prints an overlay.
package kubernetes

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Overlays are the kustomizations meant to be applied, relative to this
// directory.
var Overlays = []string{"overlays/dev", "overlays/production"}

// Render builds the kustomization in dir (a directory on disk) with
// kustomize's default options: files outside the kustomization's root are
// refused, as by kubectl.
func Render(dir string) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	return m, nil
}

// RenderYAML is Render as one YAML stream, as `kubectl kustomize` prints
// it.
func RenderYAML(dir string) ([]byte, error) {
	m, err := Render(dir)
	if err != nil {
		return nil, err
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	return out, nil
}
