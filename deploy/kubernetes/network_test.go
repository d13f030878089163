package kubernetes_test

import (
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestServices checks the Services: auth's REST behind a ClusterIP, auth's
// gRPC headless (the address of every pod, for round_robin), and the
// executor dialling that headless Service by its full name, which
// grpc.NewClient resolves with its dns resolver.
func TestServices(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		auth := o.deployments["auth"]
		grpc := o.services["auth-grpc"]
		if grpc == nil {
			t.Fatal("no Service auth-grpc")
		}
		if grpc.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("auth-grpc is not headless: clusterIP %q", grpc.Spec.ClusterIP)
		}
		if grpc.Spec.PublishNotReadyAddresses {
			t.Errorf("auth-grpc publishes pods that are not ready")
		}
		checkServicePort(t, grpc, auth, "grpc", 9090)
		if got := envValue(&auth.Spec.Template.Spec.Containers[0], "GRPC_ADDR"); got != ":9090" {
			t.Errorf("auth GRPC_ADDR = %q", got)
		}

		http := o.services["auth"]
		if http == nil {
			t.Fatal("no Service auth")
		}
		if http.Spec.Type != corev1.ServiceTypeClusterIP || http.Spec.ClusterIP == corev1.ClusterIPNone {
			t.Errorf("auth is not a ClusterIP Service")
		}
		checkServicePort(t, http, auth, "http", 8080)
		if ex := o.services["executor"]; ex == nil {
			t.Error("no Service executor")
		} else {
			checkServicePort(t, ex, o.deployments["executor"], "http", 8081)
		}

		// host:port, as the executor's configuration requires (it refuses
		// "dns:///..."); grpc.NewClient resolves it with its dns resolver.
		want := fmt.Sprintf("auth-grpc.%s.svc.cluster.local:9090", o.namespace)
		if got := envValue(&o.deployments["executor"].Spec.Template.Spec.Containers[0], "AUTH_GRPC_ADDR"); got != want {
			t.Errorf("executor AUTH_GRPC_ADDR = %q, want %q", got, want)
		}
	})
}

// checkServicePort: the Service selects the Deployment's pods and has one
// port, name, that reaches the container port of that name and number.
func checkServicePort(t *testing.T, s *corev1.Service, dep *appsv1.Deployment, name string, number int32) {
	t.Helper()
	if !selects(t, labelSelector(s.Spec.Selector), dep.Spec.Template.Labels) {
		t.Errorf("Service %s does not select the pods of %s", s.Name, dep.Name)
	}
	if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Name != name || s.Spec.Ports[0].Port != number ||
		s.Spec.Ports[0].TargetPort != intstr.FromString(name) {
		t.Errorf("Service %s: want one port %s %d to the container port %s", s.Name, name, number, name)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == name && p.ContainerPort == number }) {
		t.Errorf("container %s has no port %s %d", c.Name, name, number)
	}
}

// endpoint is one side of a connection in the policy model below.
type endpoint struct {
	name      string
	namespace string
	labels    map[string]string
	external  bool // an address outside the cluster
}

// peerMatches reports whether a NetworkPolicy peer covers e, as the API
// defines it: without a namespaceSelector, pods of the policy's own
// namespace. An ipBlock is taken to cover anything (pod addresses too,
// on most network plugins): the checks below must not rely on one.
func peerMatches(t *testing.T, p networkingv1.NetworkPolicyPeer, policyNS string, e endpoint) bool {
	t.Helper()
	if p.IPBlock != nil {
		return true
	}
	if e.external {
		return false
	}
	if p.NamespaceSelector == nil {
		if e.namespace != policyNS {
			return false
		}
	} else if !selectsOrAll(t, p.NamespaceSelector, map[string]string{corev1.LabelMetadataName: e.namespace}) {
		return false
	}
	return p.PodSelector == nil || selectsOrAll(t, p.PodSelector, e.labels)
}

// portMatches: a rule's ports cover a TCP port (by number or by the
// container port's name); no ports means every port.
func portMatches(ports []networkingv1.NetworkPolicyPort, port int32, name string) bool {
	if len(ports) == 0 {
		return true
	}
	return slices.ContainsFunc(ports, func(p networkingv1.NetworkPolicyPort) bool {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			return false
		}
		if p.Port == nil {
			return true
		}
		if p.Port.Type == intstr.String {
			return name != "" && p.Port.StrVal == name
		}
		end := p.Port.IntVal
		if p.EndPort != nil {
			end = *p.EndPort
		}
		return p.Port.IntVal <= port && port <= end
	})
}

// governed reports whether the policies of the overlay apply to e.
func governed(o *objects, e endpoint) bool { return !e.external && e.namespace == o.namespace }

// admits reports whether the policies of one type that select subject
// let it talk to peer on port (named portName, if any): ingress from
// peer, or egress to it. A subject that no policy of the type selects is
// open.
func admits(t *testing.T, o *objects, typ networkingv1.PolicyType, subject, peer endpoint, port int32, portName string) bool {
	t.Helper()
	check := func(subject, peer endpoint, typ networkingv1.PolicyType) bool {
		if !governed(o, subject) {
			return true
		}
		selected := false
		for _, np := range o.policies {
			if !slices.Contains(np.Spec.PolicyTypes, typ) || !selectsOrAll(t, &np.Spec.PodSelector, subject.labels) {
				continue
			}
			selected = true
			if typ == networkingv1.PolicyTypeIngress {
				for _, r := range np.Spec.Ingress {
					if portMatches(r.Ports, port, portName) && anyPeer(t, r.From, np.Namespace, peer) {
						return true
					}
				}
			} else {
				for _, r := range np.Spec.Egress {
					if portMatches(r.Ports, port, portName) && anyPeer(t, r.To, np.Namespace, peer) {
						return true
					}
				}
			}
		}
		return !selected
	}
	return check(subject, peer, typ)
}

// allowed reports whether from may open a TCP connection to port of to:
// the egress policies of from and the ingress policies of to must both
// admit it.
func allowed(t *testing.T, o *objects, from, to endpoint, port int32, portName string) bool {
	t.Helper()
	return admits(t, o, networkingv1.PolicyTypeEgress, from, to, port, portName) &&
		admits(t, o, networkingv1.PolicyTypeIngress, to, from, port, portName)
}

// anyPeer: no peers means every source or destination.
func anyPeer(t *testing.T, peers []networkingv1.NetworkPolicyPeer, ns string, e endpoint) bool {
	t.Helper()
	return len(peers) == 0 || slices.ContainsFunc(peers, func(p networkingv1.NetworkPolicyPeer) bool { return peerMatches(t, p, ns, e) })
}

// TestNetworkPolicies checks what reaches what under the rendered
// NetworkPolicies: a default deny, auth's gRPC port reached only by the
// executor and the operator's pods, the REST port only by the ingress
// controller, metrics only by monitoring, and the paths to PostgreSQL.
func TestNetworkPolicies(t *testing.T) {
	forEachOverlay(t, func(t *testing.T, o *objects) {
		deny := slices.ContainsFunc(o.policies, func(np *networkingv1.NetworkPolicy) bool {
			s := np.Spec
			return len(s.PodSelector.MatchLabels) == 0 && len(s.PodSelector.MatchExpressions) == 0 &&
				len(s.Ingress) == 0 && len(s.Egress) == 0 &&
				slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeIngress) && slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeEgress)
		})
		if !deny {
			t.Errorf("no default-deny NetworkPolicy (every pod, ingress and egress, no rule)")
		}

		pod := func(name string, labels map[string]string) endpoint {
			return endpoint{name: name, namespace: o.namespace, labels: labels}
		}
		auth := pod("auth", o.deployments["auth"].Spec.Template.Labels)
		executor := pod("executor", o.deployments["executor"].Spec.Template.Labels)
		intruder := pod("another pod of the namespace", map[string]string{"app.kubernetes.io/name": "intruder"})
		pooler := pod("PgBouncer", map[string]string{"cnpg.io/poolerName": "auth-db-pooler-rw", "cnpg.io/podRole": "pooler"})
		instance := pod("PostgreSQL", map[string]string{"cnpg.io/cluster": "auth-db", "cnpg.io/podRole": "instance"})
		operator := endpoint{name: "operator", namespace: "platform-operators", labels: map[string]string{"app.kubernetes.io/name": "auth-operator"}}
		otherOperatorPod := endpoint{name: "another pod of the operators", namespace: "platform-operators", labels: map[string]string{"app.kubernetes.io/name": "shell"}}
		ingress := endpoint{name: "ingress controller", namespace: "ingress-nginx", labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx"}}
		monitoring := endpoint{name: "Prometheus", namespace: "monitoring", labels: map[string]string{"app.kubernetes.io/name": "prometheus"}}
		stranger := endpoint{name: "a pod of another namespace", namespace: "default", labels: map[string]string{"app.kubernetes.io/name": "executor"}}
		cnpg := endpoint{name: "CloudNativePG operator", namespace: "cnpg-system", labels: map[string]string{"app.kubernetes.io/name": "cloudnative-pg"}}
		internet := endpoint{name: "the internet", external: true}

		cases := []struct {
			from, to endpoint
			port     int32
			portName string
			want     bool
		}{
			{executor, auth, 9090, "grpc", true},
			{operator, auth, 9090, "grpc", true},
			{otherOperatorPod, auth, 9090, "grpc", false},
			{intruder, auth, 9090, "grpc", false},
			{stranger, auth, 9090, "grpc", false},
			{ingress, auth, 9090, "grpc", false},
			{monitoring, auth, 9090, "grpc", false},
			{internet, auth, 9090, "grpc", false},
			{ingress, auth, 8080, "http", true},
			{executor, auth, 8080, "http", false},
			{intruder, auth, 8080, "http", false},
			{monitoring, auth, 9100, "metrics", true},
			{ingress, auth, 9100, "metrics", false},
			{intruder, auth, 9100, "metrics", false},
			{ingress, executor, 8081, "http", true},
			{intruder, executor, 8081, "http", false},
			{auth, executor, 8081, "http", false},
			{auth, pooler, 5432, "", true},
			{auth, instance, 5432, "", true},
			{pooler, instance, 5432, "", true},
			{instance, instance, 5432, "", true},
			{cnpg, instance, 8000, "", true},
			{executor, pooler, 5432, "", false},
			{executor, instance, 5432, "", false},
			{intruder, instance, 5432, "", false},
			{executor, internet, 443, "", false},
		}
		for _, c := range cases {
			if got := allowed(t, o, c.from, c.to, c.port, c.portName); got != c.want {
				t.Errorf("%s -> %s port %d: allowed %v, want %v", c.from.name, c.to.name, c.port, got, c.want)
			}
			// A refusal must hold at the destination itself, whatever
			// egress a pod of the namespace is given later.
			if !c.want && governed(o, c.to) && admits(t, o, networkingv1.PolicyTypeIngress, c.to, c.from, c.port, c.portName) {
				t.Errorf("%s -> %s port %d: the destination's ingress policies admit it", c.from.name, c.to.name, c.port)
			}
		}
	})
}
