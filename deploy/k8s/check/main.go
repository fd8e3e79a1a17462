// Command check decodes every Kubernetes manifest given strictly into the official API types
// (k8s.io/api): an unknown field, a wrong type or an unknown kind fails, so nothing in deploy/k8s
// rots unnoticed. Strimzi's Kafka, KafkaNodePool, KafkaTopic and KafkaUser are checked against structs
// of their v1beta2 specs (strimzi.go).
//
//	go run ./deploy/k8s/check deploy/k8s/*.yaml
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

func target(apiVersion, kind string) (any, error) {
	switch apiVersion + "/" + kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}, nil
	case "batch/v1/Job":
		return &batchv1.Job{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "kafka.strimzi.io/v1beta2/KafkaTopic":
		return &KafkaTopic{}, nil
	case "kafka.strimzi.io/v1beta2/KafkaUser":
		return &KafkaUser{}, nil
	case "kafka.strimzi.io/v1beta2/Kafka":
		return &Kafka{}, nil
	case "kafka.strimzi.io/v1beta2/KafkaNodePool":
		return &KafkaNodePool{}, nil
	}
	return nil, fmt.Errorf("unknown kind %s %s", apiVersion, kind)
}

func check(path string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	count := 0
	for i, doc := range bytes.Split(raw, []byte("\n---")) {
		if strings.TrimSpace(string(doc)) == "" {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return count, fmt.Errorf("%s document %d: %w", path, i+1, err)
		}
		into, err := target(head.APIVersion, head.Kind)
		if err != nil {
			return count, fmt.Errorf("%s document %d: %w", path, i+1, err)
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			return count, fmt.Errorf("%s document %d (%s): %w", path, i+1, head.Kind, err)
		}
		count++
	}
	return count, nil
}

func main() {
	total := 0
	for _, path := range os.Args[1:] {
		n, err := check(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		total += n
	}
	fmt.Printf("%d manifests decode strictly into the Kubernetes API types\n", total)
}
