package authtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// mainPackage is the auth command, built by import path so that the build
// does not depend on the working directory's place in the module.
const mainPackage = "github.com/infrastructure/platform/services/auth/cmd"

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// Binary builds the auth binary once per process and returns its path.
//
// The build runs in this package's source directory (or the working
// directory when the sources are not where they were compiled), so it
// always builds the checkout the caller was built from. The binary goes to
// the user's cache directory under a name keyed by that checkout, replaced
// atomically by every build, rather than to a fresh temporary directory: a
// process cannot remove its temporary directory when it exits, and every
// test process would otherwise leave a 30 MB binary behind. When there is
// no cache directory, a temporary directory is used.
func Binary() (string, error) {
	binaryOnce.Do(func() { binaryPath, binaryErr = build() })
	return binaryPath, binaryErr
}

func build() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("authtest: the go command is needed to build the auth binary: %w", err)
	}
	srcDir := sourceDir()
	dir, err := outputDir()
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(srcDir))
	final := filepath.Join(dir, "auth-"+hex.EncodeToString(key[:6]))
	// Build beside the final path and rename: other test processes of the
	// same checkout may be running the previous binary at that path.
	tmp, err := os.CreateTemp(dir, ".auth-build-*")
	if err != nil {
		return "", fmt.Errorf("authtest: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // a no-op after the rename

	cmd := exec.Command(goTool, "build", "-o", tmp.Name(), mainPackage)
	cmd.Dir = srcDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("authtest: go build %s: %w\n%s", mainPackage, err, out.Bytes())
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("authtest: %w", err)
	}
	return final, nil
}

// sourceDir is the directory of this file when it exists (tests and
// commands built from the checkout), else the working directory.
func sourceDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	wd, _ := os.Getwd()
	return wd
}

func outputDir() (string, error) {
	if cache, err := os.UserCacheDir(); err == nil {
		dir := filepath.Join(cache, "infrastructure-platform", "authtest")
		if err := os.MkdirAll(dir, 0o700); err == nil {
			return dir, nil
		}
	}
	dir, err := os.MkdirTemp("", "authtest-")
	if err != nil {
		return "", fmt.Errorf("authtest: %w", err)
	}
	return dir, nil
}
