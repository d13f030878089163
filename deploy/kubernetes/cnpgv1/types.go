// Package cnpgv1 mirrors the part of CloudNativePG's API
// (postgresql.cnpg.io/v1: Cluster and Pooler) that these manifests use,
// with the field names and JSON tags of
// github.com/cloudnative-pg/cloudnative-pg/api/v1 (release 1.30). It
// exists because the Go module proxy reachable here does not serve that
// module; with it, the tests would decode into the real types instead.
//
// The mirror is deliberately partial: the tests decode strictly, so a
// field the manifests use but this file lacks fails the test, as a typo
// would. Add the field here, copied from the upstream type, when a
// manifest needs it.
package cnpgv1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cluster is a PostgreSQL cluster run by the operator.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ClusterSpec `json:"spec"`
}

// ClusterSpec is the part of the upstream ClusterSpec in use.
type ClusterSpec struct {
	Instances                 int                               `json:"instances"`
	ImageName                 string                            `json:"imageName,omitempty"`
	MinSyncReplicas           int                               `json:"minSyncReplicas,omitempty"`
	MaxSyncReplicas           int                               `json:"maxSyncReplicas,omitempty"`
	PostgresConfiguration     PostgresConfiguration             `json:"postgresql,omitempty"`
	Bootstrap                 *BootstrapConfiguration           `json:"bootstrap,omitempty"`
	StorageConfiguration      StorageConfiguration              `json:"storage,omitempty"`
	Affinity                  AffinityConfiguration             `json:"affinity,omitempty"`
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	Resources                 corev1.ResourceRequirements       `json:"resources,omitempty"`
	PrimaryUpdateStrategy     string                            `json:"primaryUpdateStrategy,omitempty"`
	EnablePDB                 *bool                             `json:"enablePDB,omitempty"`
}

// PostgresConfiguration is the cluster's postgresql stanza.
type PostgresConfiguration struct {
	Parameters  map[string]string                `json:"parameters,omitempty"`
	Synchronous *SynchronousReplicaConfiguration `json:"synchronous,omitempty"`
	PgHBA       []string                         `json:"pg_hba,omitempty"`
}

// SynchronousReplicaConfiguration is synchronous replication (the
// stanza that replaces minSyncReplicas and maxSyncReplicas).
type SynchronousReplicaConfiguration struct {
	// Method is "any" (quorum) or "first" (priority).
	Method string `json:"method"`
	// Number of standbys a commit waits for.
	Number int `json:"number"`
	// DataDurability is "required" or "preferred".
	DataDurability string `json:"dataDurability,omitempty"`
	FailoverQuorum bool   `json:"failoverQuorum,omitempty"`
}

// BootstrapConfiguration says how the cluster's first instance is made.
type BootstrapConfiguration struct {
	InitDB *BootstrapInitDB `json:"initdb,omitempty"`
}

// BootstrapInitDB makes a new, empty database.
type BootstrapInitDB struct {
	Database string                `json:"database,omitempty"`
	Owner    string                `json:"owner,omitempty"`
	Secret   *LocalObjectReference `json:"secret,omitempty"`
}

// StorageConfiguration is each instance's volume.
type StorageConfiguration struct {
	StorageClass *string `json:"storageClass,omitempty"`
	Size         string  `json:"size,omitempty"`
}

// AffinityConfiguration places the instances.
type AffinityConfiguration struct {
	EnablePodAntiAffinity *bool  `json:"enablePodAntiAffinity,omitempty"`
	TopologyKey           string `json:"topologyKey,omitempty"`
	PodAntiAffinityType   string `json:"podAntiAffinityType,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	Name string `json:"name"`
}

// Pooler is a PgBouncer deployment in front of a cluster; its Service
// has the Pooler's name.
type Pooler struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PoolerSpec `json:"spec"`
}

// PoolerSpec is the part of the upstream PoolerSpec in use.
type PoolerSpec struct {
	Cluster LocalObjectReference `json:"cluster"`
	// Type is the service pooled: "rw" (the primary), "ro" or "r".
	Type      string           `json:"type,omitempty"`
	Instances *int32           `json:"instances,omitempty"`
	Template  *PodTemplateSpec `json:"template,omitempty"`
	PgBouncer *PgBouncerSpec   `json:"pgbouncer"`
}

// PgBouncerSpec configures PgBouncer.
type PgBouncerSpec struct {
	// PoolMode is "session" or "transaction".
	PoolMode   string            `json:"poolMode,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// PodTemplateSpec is the Pooler's pod template (upstream: its own type,
// with a reduced ObjectMeta).
type PodTemplateSpec struct {
	ObjectMeta Metadata       `json:"metadata,omitempty"`
	Spec       corev1.PodSpec `json:"spec,omitempty"`
}

// Metadata is the labels and annotations of a template.
type Metadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}
