// Command healthcheck is the image's probe: the runtime image has no shell and
// no curl, so compose and docker healthchecks run this instead.
//
//	healthcheck [URL]     (default http://127.0.0.1:8080/readyz)
//
// It exits 0 when the URL answers 2xx within 3 s, 1 otherwise.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	url := "http://127.0.0.1:8080/readyz"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintln(os.Stderr, "healthcheck:", url, resp.Status)
		os.Exit(1)
	}
}
