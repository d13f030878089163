package kubernetes_test

import (
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	corev1 "k8s.io/api/core/v1"
)

// documentedSecrets reads the table of README.md's "Secrets" section:
// rows of "| `secret` | `key` | ...".
func documentedSecrets(t *testing.T) map[[2]string]bool {
	t.Helper()
	text := readme(t)
	start := strings.Index(text, "\n## Secrets\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Secrets" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| `([A-Za-z0-9._-]+)` \\|")
	out := map[[2]string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		out[[2]string{m[1], m[2]}] = true
	}
	if len(out) == 0 {
		t.Fatal(`README.md's "Secrets" section has no table rows`)
	}
	return out
}

// TestSecretsAreReferencedNeverEmbedded: no Secret with data is rendered,
// every secretKeyRef names a Secret and key that the README tells the
// operator to create, and every Secret volume is one cert-manager writes.
func TestSecretsAreReferencedNeverEmbedded(t *testing.T) {
	documented := documentedSecrets(t)
	forEachOverlay(t, func(t *testing.T, o *objects) {
		for _, s := range o.secrets {
			if len(s.Data) > 0 || len(s.StringData) > 0 {
				t.Errorf("Secret %s is rendered with data: Secrets are made by the operator", s.Name)
			}
		}
		certSecrets := map[string]bool{}
		for _, c := range o.certificates {
			certSecrets[c.Spec.SecretName] = true
		}
		for _, d := range o.deployments {
			pod := d.Spec.Template.Spec
			for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
				for _, e := range c.Env {
					if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
						continue
					}
					ref := e.ValueFrom.SecretKeyRef
					if !documented[[2]string{ref.Name, ref.Key}] {
						t.Errorf("%s %s: Secret %s key %s is not in README.md's Secrets table", d.Name, e.Name, ref.Name, ref.Key)
					}
				}
				if len(c.EnvFrom) > 0 {
					t.Errorf("%s: envFrom hides which keys are read", d.Name)
				}
			}
			for _, v := range pod.Volumes {
				if v.Secret != nil && !certSecrets[v.Secret.SecretName] {
					t.Errorf("%s: volume %s mounts Secret %s, which no Certificate writes", d.Name, v.Name, v.Secret.SecretName)
				}
			}
		}
	})
}

// certFor returns the Certificate whose Secret is mounted at the directory
// of file in container c of the pod, failing if there is none or the
// mount would never be updated (subPath).
func certFor(t *testing.T, o *objects, pod *corev1.PodSpec, c *corev1.Container, file string) *cmv1.Certificate {
	t.Helper()
	for _, m := range c.VolumeMounts {
		if path.Dir(file) != path.Clean(m.MountPath) {
			continue
		}
		if m.SubPath != "" {
			t.Errorf("%s: %s is mounted with subPath, which the kubelet never updates", c.Name, m.MountPath)
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			for _, cert := range o.certificates {
				if cert.Spec.SecretName == v.Secret.SecretName {
					return cert
				}
			}
		}
	}
	t.Fatalf("%s: no Certificate's Secret is mounted where %s is", c.Name, file)
	return nil
}

// TestGRPCMutualTLS checks the certificates against the settings that use
// them: auth serves spiffe://platform/auth under the host the executor
// dials, the executor presents spiffe://platform/executor, both are signed
// by the same issuer, and each file variable names a key of the mounted
// Secret (tls.crt, tls.key, ca.crt).
func TestGRPCMutualTLS(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		authPod := &o.deployments["auth"].Spec.Template.Spec
		auth := &authPod.Containers[0]
		exPod := &o.deployments["executor"].Spec.Template.Spec
		ex := &exPod.Containers[0]

		files := []struct {
			pod       *corev1.PodSpec
			c         *corev1.Container
			variable  string
			key       string
			wantCert  string
			wantURI   string
			wantUsage cmv1.KeyUsage
		}{
			{authPod, auth, "GRPC_TLS_CERT", "tls.crt", "auth-grpc", "spiffe://platform/auth", cmv1.UsageServerAuth},
			{authPod, auth, "GRPC_TLS_KEY", "tls.key", "auth-grpc", "spiffe://platform/auth", cmv1.UsageServerAuth},
			{authPod, auth, "GRPC_CLIENT_CA", "ca.crt", "auth-grpc", "spiffe://platform/auth", cmv1.UsageServerAuth},
			{exPod, ex, "AUTH_TLS_CERT", "tls.crt", "executor-grpc", "spiffe://platform/executor", cmv1.UsageClientAuth},
			{exPod, ex, "AUTH_TLS_KEY", "tls.key", "executor-grpc", "spiffe://platform/executor", cmv1.UsageClientAuth},
			{exPod, ex, "AUTH_TLS_CA", "ca.crt", "executor-grpc", "spiffe://platform/executor", cmv1.UsageClientAuth},
		}
		for _, f := range files {
			file := envValue(f.c, f.variable)
			if path.Base(file) != f.key {
				t.Errorf("%s=%q, want a path to the Secret's %s", f.variable, file, f.key)
				continue
			}
			cert := certFor(t, o, f.pod, f.c, file)
			if cert.Name != f.wantCert {
				t.Errorf("%s is from Certificate %s, want %s", f.variable, cert.Name, f.wantCert)
			}
			if !slices.Equal(cert.Spec.URIs, []string{f.wantURI}) {
				t.Errorf("Certificate %s: uris %v, want [%s]", cert.Name, cert.Spec.URIs, f.wantURI)
			}
			if !slices.Contains(cert.Spec.Usages, f.wantUsage) {
				t.Errorf("Certificate %s: usages %v lack %s", cert.Name, cert.Spec.Usages, f.wantUsage)
			}
			if cert.Spec.PrivateKey == nil || cert.Spec.PrivateKey.RotationPolicy != cmv1.RotationPolicyAlways {
				t.Errorf("Certificate %s: the key is not renewed with the certificate", cert.Name)
			}
			issuer := o.issuers[cert.Spec.IssuerRef.Name]
			if cert.Spec.IssuerRef.Kind != "Issuer" || issuer == nil || issuer.Spec.CA == nil {
				t.Errorf("Certificate %s: not issued by a CA Issuer of the overlay", cert.Name)
			}
		}
		if a, e := o.certificates["auth-grpc"], o.certificates["executor-grpc"]; a != nil && e != nil && a.Spec.IssuerRef != e.Spec.IssuerRef {
			t.Errorf("auth and the executor have certificates of different issuers")
		}

		// The host the executor dials is a name of auth's certificate
		// (the executor checks it: no server name is set).
		host, _, err := net.SplitHostPort(envValue(ex, "AUTH_GRPC_ADDR"))
		if err != nil {
			t.Fatalf("AUTH_GRPC_ADDR: %v", err)
		}
		if cert := o.certificates["auth-grpc"]; cert == nil || !slices.Contains(cert.Spec.DNSNames, host) {
			t.Errorf("auth's certificate does not name %q, the host the executor dials", host)
		}

		for variable, want := range map[string]string{
			"GRPC_ALLOW_ADMIN": "spiffe://platform/operator",
			"COOKIE_SECURE":    "true",
			"GRPC_INSECURE":    "",
		} {
			if got := envValue(auth, variable); got != want {
				t.Errorf("auth %s=%q, want %q", variable, got, want)
			}
		}
		if got := envValue(ex, "COOKIE_SECURE"); got != "true" {
			t.Errorf("executor COOKIE_SECURE=%q: it would read the plain-HTTP cookie name", got)
		}
	})
}

// TestMetricsPort: auth serves /metrics on METRICS_ADDR, a port of its own
// that the pod declares and announces for scraping.
func TestMetricsPort(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		d := o.deployments["auth"]
		c := &d.Spec.Template.Spec.Containers[0]
		addr := envValue(c, "METRICS_ADDR")
		port := strings.TrimPrefix(addr, ":")
		if addr == "" || addr == envValue(c, "HTTP_ADDR") {
			t.Fatalf("METRICS_ADDR %q is not a port of its own", addr)
		}
		a := d.Spec.Template.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != port || a["prometheus.io/path"] != "/metrics" {
			t.Errorf("pod annotations %v do not announce /metrics on %s", a, port)
		}
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" && ":"+itoa(p.ContainerPort) == addr }) {
			t.Errorf("no container port metrics for %s", addr)
		}
	})
}

// TestDatabase checks the CloudNativePG objects: three instances with
// synchronous replication, and a PgBouncer Pooler in transaction mode in
// front of the primary, named as DATABASE_URL's host expects.
func TestDatabase(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		if len(o.clusters) != 1 || len(o.poolers) != 1 {
			t.Fatalf("want one Cluster and one Pooler, got %d and %d", len(o.clusters), len(o.poolers))
		}
		for _, c := range o.clusters {
			if c.Spec.Instances != 3 {
				t.Errorf("Cluster %s: %d instances, want 3", c.Name, c.Spec.Instances)
			}
			sync := c.Spec.PostgresConfiguration.Synchronous
			legacy := c.Spec.MinSyncReplicas >= 1 && c.Spec.MaxSyncReplicas >= c.Spec.MinSyncReplicas
			if !legacy && (sync == nil || sync.Number < 1 || sync.Number >= c.Spec.Instances ||
				!slices.Contains([]string{"any", "first"}, sync.Method)) {
				t.Errorf("Cluster %s: no synchronous replication", c.Name)
			}
			if c.Spec.Resources.Limits.Memory().IsZero() {
				t.Errorf("Cluster %s: no memory limit", c.Name)
			}
		}
		p := o.poolers[0]
		if o.clusters[p.Spec.Cluster.Name] == nil {
			t.Errorf("Pooler %s: no Cluster %s", p.Name, p.Spec.Cluster.Name)
		}
		if p.Name != p.Spec.Cluster.Name+"-pooler-rw" || p.Spec.Type != "rw" {
			t.Errorf("Pooler %s (type %s): want %s-pooler-rw in front of the primary", p.Name, p.Spec.Type, p.Spec.Cluster.Name)
		}
		if p.Spec.PgBouncer == nil || p.Spec.PgBouncer.PoolMode != "transaction" {
			t.Errorf("Pooler %s: not in transaction mode", p.Name)
		}
		if p.Spec.Instances == nil || *p.Spec.Instances < 2 {
			t.Errorf("Pooler %s: a single PgBouncer", p.Name)
		}
		// Named prepared statements through transaction pooling need
		// PgBouncer to track them (services/auth/config/README.md,
		// DATABASE_EXEC_MODE).
		auth := &o.deployments["auth"].Spec.Template.Spec.Containers[0]
		mode := envValue(auth, "DATABASE_EXEC_MODE")
		if mode == "cache_statement" || mode == "cache_describe" {
			if n, err := strconv.Atoi(p.Spec.PgBouncer.Parameters["max_prepared_statements"]); err != nil || n < 1 {
				t.Errorf("auth's DATABASE_EXEC_MODE=%s needs max_prepared_statements in Pooler %s", mode, p.Name)
			}
		}
	})
}
