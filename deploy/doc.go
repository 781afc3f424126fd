// Package deploy holds the production deployment of procurehub: the image
// (Dockerfile), a compose file and Kubernetes manifests. It has no code; its
// test checks the manifests against configs/production.yaml.
package deploy
