package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// compose.yaml runs two nodes on PostgreSQL behind HAProxy, each told to
// trust the proxy's X-Forwarded-For; the HAProxy file it mounts is one
// HAProxy accepts.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image       string
			Environment map[string]string
			Volumes     []string
		}
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, name := range []string{"postgres", "layerlab1", "layerlab2", "haproxy"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("compose.yaml has no %s service", name)
		}
	}
	for _, name := range []string{"layerlab1", "layerlab2"} {
		env := c.Services[name].Environment
		if !strings.HasPrefix(env["LAYERLAB_DB"], "postgres://") || env["LAYERLAB_TRUST_PROXY"] != "true" {
			t.Errorf("%s: LAYERLAB_DB %q, LAYERLAB_TRUST_PROXY %q", name, env["LAYERLAB_DB"], env["LAYERLAB_TRUST_PROXY"])
		}
	}
	if v := c.Services["haproxy"].Volumes; len(v) == 0 || !strings.HasPrefix(v[0], "./docs/haproxy.cfg:") {
		t.Errorf("haproxy mounts %v, want ./docs/haproxy.cfg", v)
	}
	if dc, err := exec.LookPath("docker-compose"); err == nil {
		if out, err := exec.Command(dc, "-f", "../../compose.yaml", "config", "-q").CombinedOutput(); err != nil {
			t.Errorf("docker-compose config: %v\n%s", err, out)
		}
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no haproxy to check docs/haproxy.cfg with (apt-get install haproxy)")
		}
		t.Skip("no haproxy to check docs/haproxy.cfg with")
	}
	if out, err := exec.Command(haproxy, "-c", "-f", "../../docs/haproxy.cfg").CombinedOutput(); err != nil {
		t.Errorf("haproxy -c docs/haproxy.cfg: %v\n%s", err, out)
	}
}
