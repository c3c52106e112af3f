/*
 * The Kubernetes label keys the runtimes put on a pod's containers (the kubelet sets them
 * through CRI; Docker's dockershim and cri-dockerd copy them to Docker labels). Every backend
 * reads pod_name, pod_namespace, pod_uid and a container's name from these, and only these.
 */
#ifndef CTRENRICH_K8S_H
#define CTRENRICH_K8S_H

#define K8S_LABEL_POD_NAME "io.kubernetes.pod.name"
#define K8S_LABEL_POD_NAMESPACE "io.kubernetes.pod.namespace"
#define K8S_LABEL_POD_UID "io.kubernetes.pod.uid"
#define K8S_LABEL_CONTAINER_NAME "io.kubernetes.container.name"

#endif
