package kubernetes_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// runtimeUser is the user of the images (services/*/Dockerfile).
const runtimeUser = 65532

// selects reports whether sel matches the labels of a pod.
func selects(t *testing.T, sel *metav1.LabelSelector, pod map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(labels.Set(pod))
}

// selectsOrAll is selects where an empty selector matches everything (a
// NetworkPolicy's podSelector {} or namespaceSelector {}).
func selectsOrAll(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(set))
}

// labelSelector is a Service's selector as a LabelSelector.
func labelSelector(m map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: m}
}

// env returns the container's variable name, nil if it has none.
func env(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// envValue returns the literal value of a variable, "" if it has none.
func envValue(c *corev1.Container, name string) string {
	if e := env(c, name); e != nil {
		return e.Value
	}
	return ""
}

// TestDeploymentsAreHardened checks every Deployment for what the README
// promises of each: the three probes, a non-root read-only container
// without privileges, resources, GOMEMLIMIT from the memory limit, three
// pods or an HPA, a PodDisruptionBudget, spreading over zones and nodes,
// and a tagged image.
func TestDeploymentsAreHardened(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		if len(o.deployments) != 2 || o.deployments["auth"] == nil || o.deployments["executor"] == nil {
			t.Fatalf("want the Deployments auth and executor, got %d", len(o.deployments))
		}
		for name, d := range o.deployments {
			t.Run("deployment="+name, func(t *testing.T) {
				checkScale(t, o, d)
				checkPodSecurity(t, &d.Spec.Template.Spec)
				checkSpread(t, d)
				if len(d.Spec.Template.Spec.Containers) != 1 {
					t.Fatalf("want one container, got %d", len(d.Spec.Template.Spec.Containers))
				}
				c := &d.Spec.Template.Spec.Containers[0]
				checkProbes(t, c)
				checkContainerSecurity(t, c)
				checkResources(t, c)
				checkImage(t, c)
			})
		}
	})
}

func checkScale(t *testing.T, o *objects, d *appsv1.Deployment) {
	t.Helper()
	hpa := false
	for _, h := range o.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind == "Deployment" && ref.APIVersion == "apps/v1" && ref.Name == d.Name {
			hpa = true
			if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
				t.Errorf("HPA %s: bad bounds", h.Name)
			}
			cpu := slices.ContainsFunc(h.Spec.Metrics, func(m autoscalingv2.MetricSpec) bool {
				return m.Resource != nil && m.Resource.Name == corev1.ResourceCPU
			})
			if !cpu {
				t.Errorf("HPA %s does not scale on CPU", h.Name)
			}
		}
	}
	if replicas := d.Spec.Replicas; !hpa && (replicas == nil || *replicas < 3) {
		t.Errorf("neither 3 replicas nor an HPA")
	}
	pdb := slices.ContainsFunc(o.pdbs, func(p *policyv1.PodDisruptionBudget) bool {
		return selects(t, p.Spec.Selector, d.Spec.Template.Labels)
	})
	if !pdb {
		t.Errorf("no PodDisruptionBudget selects its pods")
	}
	if !selects(t, d.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("its selector does not match its pod template")
	}
}

func checkPodSecurity(t *testing.T, pod *corev1.PodSpec) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("pod: runAsNonRoot is not true")
	}
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != runtimeUser {
		t.Errorf("pod: runAsUser is not %d", runtimeUser)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod: seccompProfile is not RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("pod: a service account token is mounted")
	}
}

func checkContainerSecurity(t *testing.T, c *corev1.Container) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil {
		t.Fatalf("container %s: no securityContext", c.Name)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
	}
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("container %s: runAsNonRoot is not true", c.Name)
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("container %s: privileged", c.Name)
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("container %s: capabilities are not exactly drop ALL", c.Name)
	}
	if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container %s: seccompProfile is not RuntimeDefault", c.Name)
	}
}

// checkProbes: readiness on /healthz, liveness and startup on /livez, each
// on a port the container declares.
func checkProbes(t *testing.T, c *corev1.Container) {
	t.Helper()
	for _, p := range []struct {
		kind, path string
		probe      *corev1.Probe
	}{
		{"startupProbe", "/livez", c.StartupProbe},
		{"readinessProbe", "/healthz", c.ReadinessProbe},
		{"livenessProbe", "/livez", c.LivenessProbe},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("container %s: no HTTP %s", c.Name, p.kind)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("container %s: %s on %s, want %s", c.Name, p.kind, p.probe.HTTPGet.Path, p.path)
		}
		port := p.probe.HTTPGet.Port
		declared := slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
			return cp.Name == port.String() || cp.ContainerPort == port.IntVal
		})
		if !declared {
			t.Errorf("container %s: %s on undeclared port %s", c.Name, p.kind, port.String())
		}
	}
}

// checkResources: requests and limits of CPU and memory, requests within
// limits, and GOMEMLIMIT taken from the memory limit.
func checkResources(t *testing.T, c *corev1.Container) {
	t.Helper()
	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := r.Requests[name]
		lim, okLim := r.Limits[name]
		if !okReq || !okLim {
			t.Errorf("container %s: %s request or limit missing", c.Name, name)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("container %s: %s request %s above its limit %s", c.Name, name, req.String(), lim.String())
		}
	}
	e := env(c, "GOMEMLIMIT")
	if e == nil || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil ||
		e.ValueFrom.ResourceFieldRef.Resource != "limits.memory" || e.ValueFrom.ResourceFieldRef.ContainerName != c.Name {
		t.Errorf("container %s: GOMEMLIMIT is not the container's limits.memory", c.Name)
	}
}

// checkImage: platform/<name> with an explicit tag that the overlay set.
func checkImage(t *testing.T, c *corev1.Container) {
	t.Helper()
	name, tag, ok := strings.Cut(c.Image, ":")
	if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "/") {
		t.Errorf("container %s: image %q has no release tag", c.Name, c.Image)
	}
	if !strings.HasSuffix(name, "platform/"+c.Name) {
		t.Errorf("container %s: image %q is not platform/%s", c.Name, c.Image, c.Name)
	}
}

// checkSpread: spread across zones and across nodes, over the
// Deployment's own pods.
func checkSpread(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	keys := map[string]bool{}
	for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
		if c.MaxSkew < 1 || !selects(t, c.LabelSelector, d.Spec.Template.Labels) {
			t.Errorf("topology spread on %s does not count the Deployment's pods", c.TopologyKey)
		}
		keys[c.TopologyKey] = true
	}
	for _, key := range []string{corev1.LabelTopologyZone, corev1.LabelHostname} {
		if !keys[key] {
			t.Errorf("no topology spread on %s", key)
		}
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
