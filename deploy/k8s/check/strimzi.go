package main

import corev1 "k8s.io/api/core/v1"

// KafkaTopic is Strimzi's kafka.strimzi.io/v1beta2 KafkaTopic, as far as this project uses it.
type KafkaTopic struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		TopicName  string            `json:"topicName"`
		Partitions int32             `json:"partitions"`
		Replicas   int32             `json:"replicas"`
		Config     map[string]string `json:"config"`
	} `json:"spec"`
}

// KafkaUser is Strimzi's kafka.strimzi.io/v1beta2 KafkaUser: a SCRAM login and its simple (ACL)
// authorization, as far as this project uses it.
type KafkaUser struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Authentication struct {
			Type string `json:"type"`
		} `json:"authentication"`
		Authorization struct {
			Type string    `json:"type"`
			ACLs []ACLRule `json:"acls"`
		} `json:"authorization"`
	} `json:"spec"`
}

// ACLRule is one rule of a KafkaUser's simple authorization.
type ACLRule struct {
	Resource struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		PatternType string `json:"patternType"`
	} `json:"resource"`
	Operations []string `json:"operations"`
	Host       string   `json:"host"`
}

// Metadata is the part of a Strimzi resource's metadata this project writes.
type Metadata struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Kafka is Strimzi's kafka.strimzi.io/v1beta2 Kafka in KRaft mode with node pools (no replicas or
// storage of its own: the KafkaNodePools carry them), as far as this project uses it.
type Kafka struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       struct {
		Kafka struct {
			Version   string `json:"version"`
			Listeners []struct {
				Name           string `json:"name"`
				Port           int32  `json:"port"`
				Type           string `json:"type"`
				TLS            bool   `json:"tls"`
				Authentication struct {
					Type string `json:"type"`
				} `json:"authentication"`
			} `json:"listeners"`
			Authorization struct {
				Type       string   `json:"type"`
				SuperUsers []string `json:"superUsers,omitempty"`
			} `json:"authorization"`
			Rack struct {
				TopologyKey string `json:"topologyKey"`
			} `json:"rack"`
			Config map[string]string `json:"config"`
		} `json:"kafka"`
		EntityOperator struct {
			TopicOperator *struct{} `json:"topicOperator"`
			UserOperator  *struct{} `json:"userOperator"`
		} `json:"entityOperator"`
	} `json:"spec"`
}

// KafkaNodePool is Strimzi's kafka.strimzi.io/v1beta2 KafkaNodePool: nodes of one role, their disks,
// resources and pod template (the affinity that spreads them over zones).
type KafkaNodePool struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       struct {
		Replicas int32    `json:"replicas"`
		Roles    []string `json:"roles"`
		Storage  struct {
			Type    string `json:"type"`
			Volumes []struct {
				ID            int32  `json:"id"`
				Type          string `json:"type"`
				Size          string `json:"size"`
				DeleteClaim   bool   `json:"deleteClaim"`
				KraftMetadata string `json:"kraftMetadata,omitempty"`
			} `json:"volumes"`
		} `json:"storage"`
		Resources corev1.ResourceRequirements `json:"resources"`
		Template  struct {
			Pod struct {
				Affinity *corev1.Affinity `json:"affinity"`
			} `json:"pod"`
		} `json:"template"`
	} `json:"spec"`
}
