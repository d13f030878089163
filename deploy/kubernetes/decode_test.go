package kubernetes_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/infrastructure/platform/deploy/kubernetes"
	"github.com/infrastructure/platform/deploy/kubernetes/cnpgv1"
)

// objects are the typed objects of one rendered overlay.
type objects struct {
	overlay      string
	namespace    string // of the namespaced objects, "" if they disagree
	namespaces   []*corev1.Namespace
	accounts     []*corev1.ServiceAccount
	secrets      []*corev1.Secret
	deployments  map[string]*appsv1.Deployment
	services     map[string]*corev1.Service
	pdbs         []*policyv1.PodDisruptionBudget
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	policies     []*networkingv1.NetworkPolicy
	clusters     map[string]*cnpgv1.Cluster
	poolers      []*cnpgv1.Pooler
	issuers      map[string]*cmv1.Issuer
	certificates map[string]*cmv1.Certificate
}

// strict decodes data into v as the API server does: field names match
// case-sensitively, and an unknown or duplicate field is an error.
func strict(data []byte, v any) error {
	strictErrs, err := sigsjson.UnmarshalStrict(data, v)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// decodeAs decodes data strictly into a new T.
func decodeAs[T any](data []byte) (*T, error) {
	v := new(T)
	return v, strict(data, v)
}

// decode sorts one rendered object into o by its apiVersion and kind; an
// object of any other type is an error, so that nothing escapes the
// strict decoding.
func (o *objects) decode(apiVersion, kind string, data []byte) (name, namespace string, err error) {
	var meta interface {
		GetName() string
		GetNamespace() string
	}
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		v, err := decodeAs[corev1.Namespace](data)
		o.namespaces, meta = append(o.namespaces, v), v
		if err != nil {
			return "", "", err
		}
	case "v1 ServiceAccount":
		v, err := decodeAs[corev1.ServiceAccount](data)
		o.accounts, meta = append(o.accounts, v), v
		if err != nil {
			return "", "", err
		}
	case "v1 Secret":
		v, err := decodeAs[corev1.Secret](data)
		o.secrets, meta = append(o.secrets, v), v
		if err != nil {
			return "", "", err
		}
	case "v1 Service":
		v, err := decodeAs[corev1.Service](data)
		if err != nil {
			return "", "", err
		}
		o.services[v.Name], meta = v, v
	case "apps/v1 Deployment":
		v, err := decodeAs[appsv1.Deployment](data)
		if err != nil {
			return "", "", err
		}
		o.deployments[v.Name], meta = v, v
	case "policy/v1 PodDisruptionBudget":
		v, err := decodeAs[policyv1.PodDisruptionBudget](data)
		o.pdbs, meta = append(o.pdbs, v), v
		if err != nil {
			return "", "", err
		}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		v, err := decodeAs[autoscalingv2.HorizontalPodAutoscaler](data)
		o.hpas, meta = append(o.hpas, v), v
		if err != nil {
			return "", "", err
		}
	case "networking.k8s.io/v1 NetworkPolicy":
		v, err := decodeAs[networkingv1.NetworkPolicy](data)
		o.policies, meta = append(o.policies, v), v
		if err != nil {
			return "", "", err
		}
	case "postgresql.cnpg.io/v1 Cluster":
		v, err := decodeAs[cnpgv1.Cluster](data)
		if err != nil {
			return "", "", err
		}
		o.clusters[v.Name], meta = v, v
	case "postgresql.cnpg.io/v1 Pooler":
		v, err := decodeAs[cnpgv1.Pooler](data)
		o.poolers, meta = append(o.poolers, v), v
		if err != nil {
			return "", "", err
		}
	case "cert-manager.io/v1 Issuer":
		v, err := decodeAs[cmv1.Issuer](data)
		if err != nil {
			return "", "", err
		}
		o.issuers[v.Name], meta = v, v
	case "cert-manager.io/v1 Certificate":
		v, err := decodeAs[cmv1.Certificate](data)
		if err != nil {
			return "", "", err
		}
		o.certificates[v.Name], meta = v, v
	default:
		return "", "", fmt.Errorf("no Go type is registered for %s %s: add one to decode", apiVersion, kind)
	}
	return meta.GetName(), meta.GetNamespace(), nil
}

func newObjects(overlay string) *objects {
	return &objects{
		overlay:      overlay,
		deployments:  map[string]*appsv1.Deployment{},
		services:     map[string]*corev1.Service{},
		clusters:     map[string]*cnpgv1.Cluster{},
		issuers:      map[string]*cmv1.Issuer{},
		certificates: map[string]*cmv1.Certificate{},
	}
}

// load renders an overlay and decodes every object of it.
func load(overlay string) (*objects, error) {
	m, err := kubernetes.Render(overlay)
	if err != nil {
		return nil, err
	}
	o := newObjects(overlay)
	var errs []error
	namespaces := map[string]bool{}
	for _, r := range m.Resources() {
		gvk := r.GetGvk()
		data, err := r.MarshalJSON()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", gvk.Kind, r.GetName(), err))
			continue
		}
		name, ns, err := o.decode(gvk.ApiVersion(), gvk.Kind, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s %s: %w", gvk.ApiVersion(), gvk.Kind, r.GetName(), err))
			continue
		}
		if gvk.Kind != "Namespace" {
			namespaces[ns] = true
			if ns == "" {
				errs = append(errs, fmt.Errorf("%s %s has no namespace", gvk.Kind, name))
			}
		}
	}
	if len(namespaces) == 1 {
		for ns := range namespaces {
			o.namespace = ns
		}
	}
	return o, errors.Join(errs...)
}

var (
	loadOnce  sync.Map // overlay -> func() (*objects, error)
	readmeMu  sync.Mutex
	readmeTxt string
)

// rendered returns the decoded objects of an overlay, rendering it once
// per test binary.
func rendered(t *testing.T, overlay string) *objects {
	t.Helper()
	f, _ := loadOnce.LoadOrStore(overlay, sync.OnceValues(func() (*objects, error) { return load(overlay) }))
	o, err := f.(func() (*objects, error))()
	if err != nil {
		t.Fatalf("%s: %v", overlay, err)
	}
	return o
}

// readme returns README.md beside this file.
func readme(t *testing.T) string {
	t.Helper()
	readmeMu.Lock()
	defer readmeMu.Unlock()
	if readmeTxt == "" {
		b, err := os.ReadFile("README.md")
		if err != nil {
			t.Fatal(err)
		}
		readmeTxt = string(b)
	}
	return readmeTxt
}

// forEachOverlay runs check as a subtest on each overlay's objects.
func forEachOverlay(t *testing.T, check func(t *testing.T, o *objects)) {
	t.Helper()
	for _, overlay := range kubernetes.Overlays {
		t.Run("overlay="+strings.TrimPrefix(overlay, "overlays/"), func(t *testing.T) {
			check(t, rendered(t, overlay))
		})
	}
}

// TestOverlaysDecodeStrictly renders every overlay with kustomize's Go API
// and decodes every object into its Go API type, refusing unknown fields.
func TestOverlaysDecodeStrictly(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		if o.namespace == "" {
			t.Errorf("the namespaced objects do not share one namespace")
		}
		if len(o.namespaces) != 1 || o.namespaces[0].Name != o.namespace {
			t.Errorf("want exactly one Namespace object, named %q", o.namespace)
		}
		for _, kind := range []struct {
			name string
			n    int
		}{
			{"Deployment", len(o.deployments)}, {"Service", len(o.services)},
			{"PodDisruptionBudget", len(o.pdbs)}, {"HorizontalPodAutoscaler", len(o.hpas)},
			{"NetworkPolicy", len(o.policies)}, {"Cluster", len(o.clusters)},
			{"Pooler", len(o.poolers)}, {"Issuer", len(o.issuers)}, {"Certificate", len(o.certificates)},
		} {
			if kind.n == 0 {
				t.Errorf("no %s rendered", kind.name)
			}
		}
	})
}

// TestStrictDecodingRefusesUnknownFields shows that the check above can
// fail: a misspelt or misplaced field, in a built-in type, a
// cert-manager type and the CloudNativePG mirror alike.
func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	cases := []struct {
		name, apiVersion, kind, json string
	}{
		{"case=deployment misspelt field", "apps/v1", "Deployment",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replica":3}}`},
		{"case=deployment field in wrong case", "apps/v1", "Deployment",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"Replicas":3}}`},
		{"case=probe field misplaced", "apps/v1", "Deployment",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"template":{"spec":{"containers":[{"name":"a","readinessProbe":{"path":"/healthz"}}]}}}}`},
		{"case=certificate misspelt field", "cert-manager.io/v1", "Certificate",
			`{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"x"},"spec":{"secretName":"s","issuerRef":{"name":"i"},"dnsName":["a"]}}`},
		{"case=cluster misspelt field", "postgresql.cnpg.io/v1", "Cluster",
			`{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"x"},"spec":{"instances":3,"minSyncReplica":1}}`},
		{"case=pooler duplicate field", "postgresql.cnpg.io/v1", "Pooler",
			`{"apiVersion":"postgresql.cnpg.io/v1","kind":"Pooler","metadata":{"name":"x"},"spec":{"cluster":{"name":"c"},"pgbouncer":{"poolMode":"session","poolMode":"transaction"}}}`},
		{"case=unregistered kind", "v1", "ConfigMap",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := newObjects("test").decode(c.apiVersion, c.kind, []byte(c.json)); err == nil {
				t.Errorf("decoded without error: %s", c.json)
			}
		})
	}
}
