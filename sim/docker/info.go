package docker

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/layerlab/layerlab/sim/docker/formatter"
	"github.com/layerlab/layerlab/sim/engine"
)

// The versions the console reports: the CLI it speaks like, and its own
// engine, which names itself for what it is.
const (
	cliVersion    = "28.2.2"
	apiVersion    = "1.50"
	engineName    = "layerlab (a simulated Docker Engine)"
	engineVersion = "28.2.2"
	builtOn       = "Mon Jan 12 09:00:00 2026"
)

// versionInfo is what docker version prints and --format sees.
type versionInfo struct {
	Client clientVersion
	Server *serverVersion
}

type clientVersion struct {
	Platform                                                     struct{ Name string }
	Version, APIVersion, DefaultAPIVersion, GoVersion, GitCommit string
	Os, Arch, BuildTime, Context                                 string
}

type serverVersion struct {
	Platform                                                 struct{ Name string }
	Version, APIVersion, MinAPIVersion, GoVersion, GitCommit string
	Os, Arch, KernelVersion, BuildTime                       string
	Experimental                                             bool
}

func (c *Console) version(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	v := versionInfo{
		Client: clientVersion{Version: cliVersion, APIVersion: apiVersion, DefaultAPIVersion: apiVersion, GoVersion: "go1.24.3",
			GitCommit: "layerlab", Os: "linux", Arch: "amd64", BuildTime: builtOn, Context: c.eng.Host().Name},
		Server: &serverVersion{Version: engineVersion, APIVersion: apiVersion, MinAPIVersion: "1.24", GoVersion: "go1.24.3",
			GitCommit: "layerlab", Os: "linux", Arch: "amd64", KernelVersion: "6.8.0-layerlab", BuildTime: builtOn},
	}
	v.Server.Platform.Name = engineName
	if tmplStr := f.str("format"); tmplStr != "" {
		return runTemplate(out, tmplStr, v)
	}
	tw := tabwriter.NewWriter(out, 20, 1, 1, ' ', 0)
	fmt.Fprintf(tw, "Client:\n Version:\t%s\n API version:\t%s\n Go version:\t%s\n Git commit:\t%s\n Built:\t%s\n OS/Arch:\t%s/%s\n Context:\t%s\n\n",
		v.Client.Version, v.Client.APIVersion, v.Client.GoVersion, v.Client.GitCommit, v.Client.BuildTime, v.Client.Os, v.Client.Arch, v.Client.Context)
	s := v.Server
	fmt.Fprintf(tw, "Server: %s\n Engine:\n  Version:\t%s\n  API version:\t%s (minimum version %s)\n  Go version:\t%s\n  Git commit:\t%s\n  Built:\t%s\n  OS/Arch:\t%s/%s\n  Experimental:\t%t\n",
		s.Platform.Name, s.Version, s.APIVersion, s.MinAPIVersion, s.GoVersion, s.GitCommit, s.BuildTime, s.Os, s.Arch, s.Experimental)
	return tw.Flush()
}

// runTemplate runs a --format template once over v, as docker version
// and docker info do.
func runTemplate(out io.Writer, tmplStr string, v any) error {
	tmpl, err := formatter.Parse(tmplStr)
	if err != nil {
		return &statusError{status: "template parsing error: " + err.Error(), code: 64}
	}
	b := limitedBuffer{max: formatter.DefaultMaxBytes}
	if err := tmpl.Execute(&b, v); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	b.WriteString("\n")
	_, err = out.Write(b.Bytes())
	return err
}

// infoData is what docker info's --format sees.
type infoData struct {
	ID, Name, ServerVersion, Driver, OperatingSystem, OSType, Architecture, KernelVersion, DockerRootDir string
	Containers, ContainersRunning, ContainersPaused, ContainersStopped, Images, NCPU                     int
	MemTotal                                                                                             int64
}

func (c *Console) info(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	d := infoData{ID: "LAYR:LAB0:SIMU:LATE:DENG:INE0", Name: c.eng.Host().Name, ServerVersion: engineVersion, Driver: "overlay2",
		OperatingSystem: "layerlab (simulated)", OSType: "linux", Architecture: "x86_64", KernelVersion: "6.8.0-layerlab",
		DockerRootDir: "/var/lib/docker", NCPU: engine.HostCPUs, MemTotal: engine.HostMemory, Images: len(c.eng.Images())}
	for _, ct := range c.eng.Containers() {
		d.Containers++
		switch ct.State {
		case engine.Running, engine.Restarting:
			d.ContainersRunning++
		case engine.Paused:
			d.ContainersPaused++
		default:
			d.ContainersStopped++
		}
	}
	if tmplStr := f.str("format"); tmplStr != "" {
		return runTemplate(out, tmplStr, d)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Client:\n Version:    %s\n Context:    %s\n Debug Mode: false\n\n", cliVersion, c.eng.Host().Name)
	fmt.Fprintf(&b, "Server:\n Containers: %d\n  Running: %d\n  Paused: %d\n  Stopped: %d\n Images: %d\n", d.Containers, d.ContainersRunning, d.ContainersPaused, d.ContainersStopped, d.Images)
	fmt.Fprintf(&b, " Server Version: %s\n Storage Driver: %s\n Logging Driver: json-file\n Cgroup Driver: systemd\n Cgroup Version: 2\n", d.ServerVersion, d.Driver)
	b.WriteString(" Plugins:\n  Volume: local\n  Network: bridge host null\n  Log: json-file local\n Swarm: inactive\n Runtimes: runc\n Default Runtime: runc\n")
	fmt.Fprintf(&b, " Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n CPUs: %d\n Total Memory: %s\n Name: %s\n ID: %s\n Docker Root Dir: %s\n Debug Mode: false\n Experimental: false\n Live Restore Enabled: false\n",
		d.KernelVersion, d.OperatingSystem, d.OSType, d.Architecture, d.NCPU, engine.StatsString(d.MemTotal), d.Name, d.ID, d.DockerRootDir)
	b.WriteString(" [layerlab: this engine is simulated; nothing here runs on a real kernel]\n")
	_, err := io.WriteString(out, b.String())
	return err
}
