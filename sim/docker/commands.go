package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/errdefs"
)

// commands is every docker subcommand the console knows, built in one place.
func commands() []*command {
	return []*command{
		{
			name: "build", usage: "build [OPTIONS] PATH | URL | -", short: "Build an image from a Dockerfile",
			aliases: []string{"image build", "builder build"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{
				{long: "tag", short: "t", kind: listFlag, usage: "Name and optionally a tag (format: \"name:tag\")"},
				{long: "file", short: "f", kind: stringFlag, usage: "Name of the Dockerfile (default: \"PATH/Dockerfile\")"},
				{long: "no-cache", kind: boolFlag, usage: "Do not use cache when building the image"},
				{long: "target", kind: stringFlag, usage: "Set the target build stage to build"},
				{long: "build-arg", kind: listFlag, usage: "Set build-time variables"},
				{long: "quiet", short: "q", kind: boolFlag, usage: "Suppress the build output and print image ID on success"},
				{long: "progress", kind: stringFlag, def: "auto", usage: "Set type of progress output (\"auto\", \"plain\", \"tty\", \"quiet\")"},
			},
			run: (*Console).build,
		},
		{
			name: "run", usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Create and run a new container from an image",
			aliases: []string{"container run"}, minArgs: 1, maxArgs: -1,
			flags: containerFlags(true), run: (*Console).runContainer,
		},
		{
			name: "create", usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Create a new container",
			aliases: []string{"container create"}, minArgs: 1, maxArgs: -1,
			flags: containerFlags(false), run: (*Console).create,
		},
		{
			name: "start", usage: "start [OPTIONS] CONTAINER [CONTAINER...]", short: "Start one or more stopped containers",
			aliases: []string{"container start"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "attach", short: "a", kind: boolFlag, usage: "Attach STDOUT/STDERR and forward signals"},
				{long: "interactive", short: "i", kind: boolFlag, usage: "Attach container's STDIN"}},
			run: (*Console).start,
		},
		{
			name: "ps", usage: "ps [OPTIONS]", short: "List containers", aliases: []string{"container ls", "container list", "container ps"},
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{
				{long: "all", short: "a", kind: boolFlag, usage: "Show all containers (default shows just running)"},
				{long: "quiet", short: "q", kind: boolFlag, usage: "Only display container IDs"},
				{long: "size", short: "s", kind: boolFlag, usage: "Display total file sizes"},
				{long: "no-trunc", kind: boolFlag, usage: "Don't truncate output"},
				{long: "latest", short: "l", kind: boolFlag, usage: "Show the latest created container (includes all states)"},
				{long: "last", short: "n", kind: intFlag, def: "-1", usage: "Show n last created containers (includes all states)"},
				{long: "filter", short: "f", kind: listFlag, usage: "Filter output based on conditions provided"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"},
			},
			run: (*Console).ps,
		},
		{
			name: "images", usage: "images [OPTIONS] [REPOSITORY[:TAG]]", short: "List images", aliases: []string{"image ls", "image list"},
			maxArgs: 1, interspersed: true,
			flags: []flagSpec{
				{long: "all", short: "a", kind: boolFlag, usage: "Show all images (default hides intermediate images)"},
				{long: "quiet", short: "q", kind: boolFlag, usage: "Only show image IDs"},
				{long: "no-trunc", kind: boolFlag, usage: "Don't truncate output"},
				{long: "digests", kind: boolFlag, usage: "Show digests"},
				{long: "filter", short: "f", kind: listFlag, usage: "Filter output based on conditions provided"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"},
			},
			run: (*Console).images,
		},
		{
			name: "rm", usage: "rm [OPTIONS] CONTAINER [CONTAINER...]", short: "Remove one or more containers",
			aliases: []string{"container rm", "container remove"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{
				{long: "force", short: "f", kind: boolFlag, usage: "Force the removal of a running container (uses SIGKILL)"},
				{long: "volumes", short: "v", kind: boolFlag, usage: "Remove anonymous volumes associated with the container"},
			},
			run: (*Console).rm,
		},
		{
			name: "exec", usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]", short: "Execute a command in a running container",
			aliases: []string{"container exec"}, minArgs: 2, maxArgs: -1,
			flags: []flagSpec{
				{long: "interactive", short: "i", kind: boolFlag, usage: "Keep STDIN open even if not attached"},
				{long: "tty", short: "t", kind: boolFlag, usage: "Allocate a pseudo-TTY"},
				{long: "detach", short: "d", kind: boolFlag, usage: "Detached mode: run command in the background"},
				{long: "env", short: "e", kind: listFlag, usage: "Set environment variables"},
				{long: "workdir", short: "w", kind: stringFlag, usage: "Working directory inside the container"},
				{long: "user", short: "u", kind: stringFlag, usage: "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
			},
			run: (*Console).exec,
		},
		{
			name: "stop", usage: "stop [OPTIONS] CONTAINER [CONTAINER...]", short: "Stop one or more running containers",
			aliases: []string{"container stop"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "timeout", short: "t", kind: intFlag, usage: "Seconds to wait before killing the container"},
				{long: "time", kind: intFlag, hidden: true, usage: "Seconds to wait before killing the container (deprecated: use --timeout)"},
				{long: "signal", short: "s", kind: stringFlag, usage: "Signal to send to the container"}},
			run: (*Console).stop,
		},
		{
			name: "diff", usage: "diff CONTAINER", short: "Inspect changes to files or directories on a container's filesystem",
			aliases: []string{"container diff"}, minArgs: 1, maxArgs: 1, interspersed: true, run: (*Console).diff,
		},
		{
			name: "commit", usage: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]", short: "Create a new image from a container's changes",
			aliases: []string{"container commit"}, minArgs: 1, maxArgs: 2, interspersed: true,
			flags: []flagSpec{
				{long: "message", short: "m", kind: stringFlag, usage: "Commit message"},
				{long: "author", short: "a", kind: stringFlag, usage: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
				{long: "change", short: "c", kind: listFlag, usage: "Apply Dockerfile instruction to the created image"},
				{long: "pause", short: "p", kind: boolFlag, def: "true", usage: "Pause container during commit"},
			},
			run: (*Console).commit,
		},
		{
			name: "logs", usage: "logs [OPTIONS] CONTAINER", short: "Fetch the logs of a container",
			aliases: []string{"container logs"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "follow", short: "f", kind: boolFlag, usage: "Follow log output"},
				{long: "timestamps", short: "t", kind: boolFlag, usage: "Show timestamps"},
				{long: "tail", short: "n", kind: stringFlag, def: "all", usage: "Number of lines to show from the end of the logs"},
				{long: "since", kind: stringFlag, usage: "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"},
				{long: "until", kind: stringFlag, usage: "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"}},
			run: (*Console).logs,
		},
		{
			name: "restart", usage: "restart [OPTIONS] CONTAINER [CONTAINER...]", short: "Restart one or more containers",
			aliases: []string{"container restart"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "timeout", short: "t", kind: intFlag, usage: "Seconds to wait before killing the container"},
				{long: "time", kind: intFlag, hidden: true, usage: "Seconds to wait before killing the container (deprecated: use --timeout)"},
				{long: "signal", short: "s", kind: stringFlag, usage: "Signal to send to the container"}},
			run: (*Console).restart,
		},
		{
			name: "kill", usage: "kill [OPTIONS] CONTAINER [CONTAINER...]", short: "Kill one or more running containers",
			aliases: []string{"container kill"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "signal", short: "s", kind: stringFlag, usage: "Signal to send to the container"}},
			run:   (*Console).kill,
		},
		{
			name: "pause", usage: "pause CONTAINER [CONTAINER...]", short: "Pause all processes within one or more containers",
			aliases: []string{"container pause"}, minArgs: 1, maxArgs: -1, interspersed: true, run: (*Console).pause,
		},
		{
			name: "unpause", usage: "unpause CONTAINER [CONTAINER...]", short: "Unpause all processes within one or more containers",
			aliases: []string{"container unpause"}, minArgs: 1, maxArgs: -1, interspersed: true, run: (*Console).unpause,
		},
		{
			name: "rename", usage: "rename CONTAINER NEW_NAME", short: "Rename a container",
			aliases: []string{"container rename"}, minArgs: 2, maxArgs: 2, interspersed: true, run: (*Console).rename,
		},
		{
			name: "wait", usage: "wait CONTAINER [CONTAINER...]", short: "Block until one or more containers stop, then print their exit codes",
			aliases: []string{"container wait"}, minArgs: 1, maxArgs: -1, interspersed: true, run: (*Console).wait,
		},
		{
			name: "rmi", usage: "rmi [OPTIONS] IMAGE [IMAGE...]", short: "Remove one or more images",
			aliases: []string{"image rm", "image remove"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Force removal of the image"},
				{long: "no-prune", kind: boolFlag, usage: "Do not delete untagged parents"}},
			run: (*Console).rmi,
		},
		{
			name: "tag", usage: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
			aliases: []string{"image tag"}, minArgs: 2, maxArgs: 2, interspersed: true, run: (*Console).tag,
		},
		{
			name: "history", usage: "history [OPTIONS] IMAGE", short: "Show the history of an image",
			aliases: []string{"image history"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{
				{long: "human", short: "H", kind: boolFlag, def: "true", usage: "Print sizes and dates in human readable format"},
				{long: "no-trunc", kind: boolFlag, usage: "Don't truncate output"},
				{long: "quiet", short: "q", kind: boolFlag, usage: "Only show image IDs"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"},
			},
			run: (*Console).history,
		},
		{
			name: "inspect", usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]", short: "Return low-level information on Docker objects",
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"},
				{long: "type", kind: stringFlag, usage: "Only inspect objects of the given type"},
				{long: "size", short: "s", kind: boolFlag, usage: "Display total file sizes if the type is container"}},
			run: (*Console).inspect,
		},
		{
			name: "image inspect", usage: "image inspect [OPTIONS] IMAGE [IMAGE...]", short: "Display detailed information on one or more images",
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"}},
			run: func(c *Console, ctx context.Context, f *flagSet, args []string, out io.Writer) error {
				return c.inspectAs("image", f, args, out)
			},
		},
		{
			name: "container inspect", usage: "container inspect [OPTIONS] CONTAINER [CONTAINER...]", short: "Display detailed information on one or more containers",
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"},
				{long: "size", short: "s", kind: boolFlag, usage: "Display total file sizes"}},
			run: func(c *Console, ctx context.Context, f *flagSet, args []string, out io.Writer) error {
				return c.inspectAs("container", f, args, out)
			},
		},
		{
			name: "pull", usage: "pull [OPTIONS] NAME[:TAG|@DIGEST]", short: "Download an image from a registry",
			aliases: []string{"image pull"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "quiet", short: "q", kind: boolFlag, usage: "Suppress verbose output"},
				{long: "all-tags", short: "a", kind: boolFlag, usage: "Download all tagged images in the repository"}},
			run: (*Console).pull,
		},
		{
			name: "push", usage: "push [OPTIONS] NAME[:TAG]", short: "Upload an image to a registry",
			aliases: []string{"image push"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "quiet", short: "q", kind: boolFlag, usage: "Suppress verbose output"},
				{long: "all-tags", short: "a", kind: boolFlag, usage: "Push all tags of an image to the repository"}},
			run: (*Console).push,
		},
		{
			name: "volume create", usage: "volume create [OPTIONS] [VOLUME]", short: "Create a volume",
			maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "name", kind: stringFlag, usage: "Specify volume name"},
				{long: "driver", short: "d", kind: stringFlag, def: "local", usage: "Specify volume driver name"}},
			run: (*Console).volumeCreate,
		},
		{
			name: "volume ls", usage: "volume ls [OPTIONS]", short: "List volumes", aliases: []string{"volume list"},
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "quiet", short: "q", kind: boolFlag, usage: "Only display volume names"},
				{long: "filter", short: "f", kind: listFlag, usage: "Provide filter values (e.g. \"dangling=true\")"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"}},
			run: (*Console).volumeLs,
		},
		{
			name: "volume rm", usage: "volume rm [OPTIONS] VOLUME [VOLUME...]", short: "Remove one or more volumes", aliases: []string{"volume remove"},
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Force the removal of one or more volumes"}},
			run:   (*Console).volumeRm,
		},
		{
			name: "volume inspect", usage: "volume inspect [OPTIONS] VOLUME [VOLUME...]", short: "Display detailed information on one or more volumes",
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"}},
			run:   (*Console).volumeInspect,
		},
		{
			name: "volume prune", usage: "volume prune [OPTIONS]", short: "Remove unused local volumes",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "all", short: "a", kind: boolFlag, usage: "Remove all unused volumes, not just anonymous ones"},
				{long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}},
			run: (*Console).volumePrune,
		},
		{
			name: "system df", usage: "system df [OPTIONS]", short: "Show docker disk usage",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "verbose", short: "v", kind: boolFlag, usage: "Show detailed information on space usage"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"}},
			run: (*Console).systemDF,
		},
		{
			name: "builder prune", usage: "builder prune", short: "Remove build cache",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "all", short: "a", kind: boolFlag, usage: "Remove all unused build cache, not just dangling ones"},
				{long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}},
			run: (*Console).builderPrune,
		},
		{
			name: "image prune", usage: "image prune [OPTIONS]", short: "Remove unused images",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "all", short: "a", kind: boolFlag, usage: "Remove all unused images, not just dangling ones"},
				{long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}, {long: "filter", kind: listFlag, usage: "Provide filter values (e.g. \"until=<timestamp>\")"}},
			run: (*Console).imagePrune,
		},
		{
			name: "container prune", usage: "container prune [OPTIONS]", short: "Remove all stopped containers",
			maxArgs: 0, interspersed: true, flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}, {long: "filter", kind: listFlag, usage: "Provide filter values (e.g. \"until=<timestamp>\")"}},
			run: (*Console).containerPrune,
		},
		{
			name: "system prune", usage: "system prune [OPTIONS]", short: "Remove unused data",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "all", short: "a", kind: boolFlag, usage: "Remove all unused images not just dangling ones"},
				{long: "volumes", kind: boolFlag, usage: "Prune anonymous volumes"}, {long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}, {long: "filter", kind: listFlag, usage: "Provide filter values (e.g. \"until=<timestamp>\")"}},
			run: (*Console).systemPrune,
		},
		{
			name: "network ls", usage: "network ls [OPTIONS]", short: "List networks", aliases: []string{"network list"},
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "quiet", short: "q", kind: boolFlag, usage: "Only display network IDs"},
				{long: "no-trunc", kind: boolFlag, usage: "Do not truncate the output"},
				{long: "filter", short: "f", kind: listFlag, usage: "Provide filter values (e.g. \"driver=bridge\")"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"}},
			run: (*Console).networkLs,
		},
		{
			name: "network create", usage: "network create [OPTIONS] NETWORK", short: "Create a network",
			minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "driver", short: "d", kind: stringFlag, def: "bridge", usage: "Driver to manage the Network"},
				{long: "internal", kind: boolFlag, usage: "Restrict external access to the network"},
				{long: "label", kind: listFlag, usage: "Set metadata on a network"}},
			run: (*Console).networkCreate,
		},
		{
			name: "network rm", usage: "network rm NETWORK [NETWORK...]", short: "Remove one or more networks", aliases: []string{"network remove"},
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Do not error if the network does not exist"}},
			run:   (*Console).networkRm,
		},
		{
			name: "network connect", usage: "network connect [OPTIONS] NETWORK CONTAINER", short: "Connect a container to a network",
			minArgs: 2, maxArgs: 2, interspersed: true, run: (*Console).networkConnect,
		},
		{
			name: "network disconnect", usage: "network disconnect [OPTIONS] NETWORK CONTAINER", short: "Disconnect a container from a network",
			minArgs: 2, maxArgs: 2, interspersed: true,
			flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Force the container to disconnect from a network"}},
			run:   (*Console).networkDisconnect,
		},
		{
			name: "network inspect", usage: "network inspect [OPTIONS] NETWORK [NETWORK...]", short: "Display detailed information on one or more networks",
			minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"}},
			run:   (*Console).networkInspect,
		},
		{
			name: "network prune", usage: "network prune [OPTIONS]", short: "Remove all unused networks",
			maxArgs: 0, interspersed: true, flags: []flagSpec{{long: "force", short: "f", kind: boolFlag, usage: "Do not prompt for confirmation"}, {long: "filter", kind: listFlag, usage: "Provide filter values (e.g. \"until=<timestamp>\")"}},
			run: (*Console).networkPrune,
		},
		{
			name: "port", usage: "port CONTAINER [PRIVATE_PORT[/PROTO]]", short: "List port mappings or a specific mapping for the container",
			aliases: []string{"container port"}, minArgs: 1, maxArgs: 2, interspersed: true, run: (*Console).port,
		},
		{
			name: "top", usage: "top CONTAINER [ps OPTIONS]", short: "Display the running processes of a container",
			aliases: []string{"container top"}, minArgs: 1, maxArgs: -1, run: (*Console).top,
		},
		{
			name: "stats", usage: "stats [OPTIONS] [CONTAINER...]", short: "Display a live stream of container(s) resource usage statistics",
			aliases: []string{"container stats"}, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "all", short: "a", kind: boolFlag, usage: "Show all containers (default shows just running)"},
				{long: "no-stream", kind: boolFlag, usage: "Disable streaming stats and only pull the first result"},
				{long: "no-trunc", kind: boolFlag, usage: "Do not truncate output"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"}},
			run: (*Console).stats,
		},
		{
			name: "attach", usage: "attach [OPTIONS] CONTAINER", short: "Attach local standard input, output, and error streams to a running container",
			aliases: []string{"container attach"}, minArgs: 1, maxArgs: 1, interspersed: true,
			flags: []flagSpec{{long: "no-stdin", kind: boolFlag, usage: "Do not attach STDIN"},
				{long: "sig-proxy", kind: boolFlag, def: "true", usage: "Proxy all received signals to the process"}},
			run: (*Console).attach,
		},
		{
			name: "version", usage: "version [OPTIONS]", short: "Show the Docker version information",
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"}},
			run:   (*Console).version,
		},
		{
			name: "info", usage: "info [OPTIONS]", short: "Display system-wide information", aliases: []string{"system info"},
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "format", short: "f", kind: stringFlag, usage: "Format output using a custom template"}},
			run:   (*Console).info,
		},
		{
			name: "cp", usage: "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
			short: "Copy files/folders between a container and the local filesystem", aliases: []string{"container cp"},
			minArgs: 2, maxArgs: 2, interspersed: true, run: (*Console).cp,
		},
		{
			name: "save", usage: "save [OPTIONS] IMAGE [IMAGE...]", short: "Save one or more images to a tar archive (streamed to STDOUT by default)",
			aliases: []string{"image save"}, minArgs: 1, maxArgs: -1, interspersed: true,
			flags: []flagSpec{{long: "output", short: "o", kind: stringFlag, usage: "Write to a file, instead of STDOUT"}},
			run:   (*Console).save,
		},
		{
			name: "load", usage: "load [OPTIONS]", short: "Load an image from a tar archive or STDIN",
			aliases: []string{"image load"}, maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "input", short: "i", kind: stringFlag, usage: "Read from tar archive file, instead of STDIN"},
				{long: "quiet", short: "q", kind: boolFlag, usage: "Suppress the load output"}},
			run: (*Console).load,
		},
		{
			name: "context ls", usage: "context ls [OPTIONS]", short: "List contexts", aliases: []string{"context list"},
			maxArgs: 0, interspersed: true,
			flags: []flagSpec{{long: "quiet", short: "q", kind: boolFlag, usage: "Only show context names"},
				{long: "format", kind: stringFlag, usage: "Format output using a custom template"}},
			run: (*Console).contextLs,
		},
		{
			name: "context use", usage: "context use CONTEXT", short: "Set the current docker context",
			minArgs: 1, maxArgs: 1, interspersed: true, run: (*Console).contextUse,
		},
		{
			name: "context show", usage: "context show", short: "Print the name of the current context",
			maxArgs: 0, interspersed: true, run: (*Console).contextShow,
		},
	}
}

// containerFlags are the flags of docker run and docker create.
func containerFlags(run bool) []flagSpec {
	f := []flagSpec{
		{long: "name", kind: stringFlag, usage: "Assign a name to the container"},
		{long: "env", short: "e", kind: listFlag, usage: "Set environment variables"},
		{long: "publish", short: "p", kind: listFlag, usage: "Publish a container's port(s) to the host"},
		{long: "volume", short: "v", kind: listFlag, usage: "Bind mount a volume"},
		{long: "interactive", short: "i", kind: boolFlag, usage: "Keep STDIN open even if not attached"},
		{long: "tty", short: "t", kind: boolFlag, usage: "Allocate a pseudo-TTY"},
		{long: "rm", kind: boolFlag, usage: "Automatically remove the container and its associated anonymous volumes when it exits"},
		{long: "restart", kind: stringFlag, def: "no", usage: "Restart policy to apply when a container exits"},
		{long: "workdir", short: "w", kind: stringFlag, usage: "Working directory inside the container"},
		{long: "user", short: "u", kind: stringFlag, usage: "Username or UID (format: <name|uid>[:<group|gid>])"},
		{long: "entrypoint", kind: stringFlag, usage: "Overwrite the default ENTRYPOINT of the image"},
		{long: "hostname", short: "h", kind: stringFlag, usage: "Container host name"},
		{long: "label", short: "l", kind: listFlag, usage: "Set meta data on a container"},
		{long: "memory", short: "m", kind: bytesFlag, usage: "Memory limit"},
		{long: "volumes-from", kind: listFlag, usage: "Mount volumes from the specified container(s)"},
	}
	if run {
		f = append(f, flagSpec{long: "detach", short: "d", kind: boolFlag, usage: "Run container in background and print container ID"})
	}
	return f
}

func (c *Console) build(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if args[0] != "." {
		// The console has one build context: the files in the editor.
		fmt.Fprintf(out, "layerlab: the build context here is the editor's files, so use \".\" as PATH (got %q)\n", args[0])
		return &exitError{code: 1}
	}
	for _, t := range f.list("tag") {
		if _, err := engine.ParseReference(t); err != nil {
			return &usageError{msg: fmt.Sprintf("invalid argument %q for \"-t, --tag\" flag: %v", t, err)}
		}
	}
	progress := f.str("progress")
	switch progress {
	case "auto", "tty", "plain", "quiet":
	default:
		return fmt.Errorf("layerlab: --progress takes auto, tty, plain or quiet here (got %q)", progress)
	}
	buildArgs := map[string]string{}
	for _, kv := range f.list("build-arg") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		buildArgs[k] = v
	}
	res, err := c.eng.Build(ctx, engine.BuildOptions{
		Dockerfile: f.str("file"), Tags: f.list("tag"), NoCache: f.bool("no-cache"),
		Target: f.str("target"), BuildArgs: buildArgs,
	})
	if res == nil {
		return err
	}
	display := res.Output
	if progress == "plain" {
		display = res.Plain()
	}
	if f.bool("quiet") || progress == "quiet" {
		if err != nil {
			io.WriteString(out, display)
			return &exitError{code: 1}
		}
		fmt.Fprintln(out, res.Image.ID())
		return nil
	}
	io.WriteString(out, display)
	if err != nil {
		return &exitError{code: 1}
	}
	return nil
}

func (c *Console) containerOptions(f *flagSet, args []string) (engine.ContainerOptions, error) {
	o := engine.ContainerOptions{
		Image: args[0], Cmd: args[1:], Name: f.str("name"), Env: f.list("env"), Volumes: f.list("volume"),
		AutoRm: f.bool("rm"), TTY: f.bool("tty"), Stdin: f.bool("interactive"), WorkDir: f.str("workdir"),
		User: f.str("user"), Restart: f.str("restart"), Hostname: f.str("hostname"),
		VolumesFrom: f.list("volumes-from"),
	}
	if f.changed("memory") {
		o.Memory = f.bytes("memory")
	}
	for _, l := range f.list("label") {
		k, v, _ := strings.Cut(l, "=")
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[k] = v
	}
	if f.changed("entrypoint") {
		ep := strings.Fields(f.str("entrypoint"))
		o.Entrypoint = &ep
	}
	for _, v := range o.Volumes {
		if err := checkVolumeSpec(v); err != nil {
			return o, err
		}
	}
	for _, p := range f.list("publish") {
		pb, err := parsePublish(p)
		if err != nil {
			return o, err
		}
		o.Ports = append(o.Ports, pb)
	}
	return o, nil
}

// parsePublish reads -p [ip:][hostPort:]containerPort[/proto] with the
// checks and words of the CLI's port parser (go-connections' nat).
func parsePublish(s string) (engine.PortBinding, error) {
	var pb engine.PortBinding
	parts := strings.Split(s, ":")
	n := len(parts)
	containerPort := parts[n-1]
	switch n {
	case 1:
	case 2:
		pb.HostPort = parts[0]
	case 3:
		pb.HostIP, pb.HostPort = parts[0], parts[1]
	default:
		pb.HostIP, pb.HostPort = strings.Join(parts[:n-2], ":"), parts[n-2]
	}
	proto := "tcp"
	if p, pr, ok := strings.Cut(containerPort, "/"); ok {
		containerPort, proto = p, pr
	}
	if strings.HasPrefix(pb.HostIP, "[") && strings.HasSuffix(pb.HostIP, "]") {
		pb.HostIP = pb.HostIP[1 : len(pb.HostIP)-1]
	}
	if pb.HostIP != "" && net.ParseIP(pb.HostIP) == nil {
		return pb, fmt.Errorf("invalid IP address: %s", pb.HostIP)
	}
	if containerPort == "" {
		return pb, fmt.Errorf("no port specified: %s<empty>", s)
	}
	if !validPort(containerPort) {
		return pb, fmt.Errorf("invalid containerPort: %s", containerPort)
	}
	if pb.HostPort != "" && !validPort(pb.HostPort) {
		return pb, fmt.Errorf("invalid hostPort: %s", pb.HostPort)
	}
	switch strings.ToLower(proto) {
	case "tcp", "udp", "sctp":
	default:
		return pb, fmt.Errorf("invalid proto: %s", proto)
	}
	pb.ContainerPort = containerPort + "/" + strings.ToLower(proto)
	return pb, nil
}

// validPort is a port number as a 16-bit unsigned integer.
func validPort(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}

// checkVolumeSpec is the CLI's own check of a -v value before the daemon
// sees it: no empty part between colons.
func checkVolumeSpec(spec string) error {
	parts := strings.Split(spec, ":")
	if len(parts) > 1 && slices.Contains(parts, "") {
		return fmt.Errorf("invalid spec: %s: empty section between colons", spec)
	}
	if spec == "" {
		return errors.New("invalid empty volume spec")
	}
	return nil
}

// ensureImage pulls a missing base image the way docker run does, printing
// the "Unable to find image" lines first.
func (c *Console) ensureImage(ref string, out io.Writer) error {
	if _, err := c.eng.ResolveImage(ref); err == nil {
		return nil
	}
	fmt.Fprintf(out, "Unable to find image '%s' locally\n", engine.NormalizeRef(ref))
	return c.eng.PullImage(ref, out)
}

// runError is how docker run and docker create report a failure to make
// or start the container: "docker: " before the error, a pointer to the
// help after it, and status 125.
func runError(cmd string, err error, out io.Writer) error {
	fmt.Fprintf(out, "docker: %s\n\nRun 'docker %s --help' for more information\n", strings.TrimPrefix(errorText(err), "docker: "), cmd)
	return &exitError{code: 125}
}

// prepare checks the flags, pulls a missing image and creates the container.
func (c *Console) prepare(cmd string, f *flagSet, args []string, out io.Writer) (*engine.Container, error) {
	o, err := c.containerOptions(f, args)
	if err != nil {
		return nil, runError(cmd, err, out)
	}
	if err := engine.ValidRef(o.Image); err != nil {
		return nil, runError(cmd, err, out)
	}
	if f.bool("rm") && o.Restart != "no" && o.Restart != "" {
		return nil, runError(cmd, errors.New("conflicting options: cannot specify both --restart and --rm"), out)
	}
	// The daemon checks the policy when it creates the container, before
	// it looks for the image.
	if _, _, err := engine.ParseRestart(o.Restart); err != nil {
		return nil, runError(cmd, errdefs.InvalidParameter(err), out)
	}
	if err := c.ensureImage(o.Image, out); err != nil {
		return nil, runError(cmd, err, out)
	}
	ct, err := c.eng.Create(o)
	if err != nil {
		return nil, runError(cmd, err, out)
	}
	return ct, nil
}

func (c *Console) create(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.prepare("create", f, args, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, ct.ID)
	return nil
}

func (c *Console) runContainer(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.prepare("run", f, args, out)
	if err != nil {
		return err
	}
	if err := c.eng.Start(ctx, ct); err != nil {
		runError("run", err, out)
		return &exitError{code: startStatus(err)}
	}
	if f.bool("detach") {
		fmt.Fprintln(out, ct.ID)
		return nil
	}
	out.Write(ct.Logs.Bytes())
	if ct.State == engine.Running && !ct.ExitAt.IsZero() && !(ct.Stdin && ct.TTY) {
		// A process that ends by itself on the virtual clock (sleep 1;
		// echo done) is waited for, as an attached docker run waits.
		logged := ct.Logs.Len()
		if _, err := c.eng.Wait(ct); err == nil {
			out.Write(ct.Logs.Bytes()[min(logged, ct.Logs.Len()):])
		}
	}
	if ct.State == engine.Running {
		if ct.Stdin && ct.TTY && len(ct.Cmd) == 1 && isShellName(ct.Cmd[0]) {
			sess, err := c.eng.Attach(ct, ct.Cmd, true, "", nil, "")
			if err != nil {
				return err
			}
			c.session = sess
			return nil
		}
		// Attached to a server: the console would block here; say so and
		// leave it running, as detaching with Ctrl-P Ctrl-Q would.
		fmt.Fprintf(out, "[layerlab: %s keeps running in the foreground; the console detached from it. Use -d to start it in the background.]\n", ct.Name)
		return nil
	}
	if ct.ExitCode != 0 {
		return &exitError{code: ct.ExitCode}
	}
	return nil
}

func (c *Console) start(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed, names []string
	for _, ref := range args {
		ct, err := c.eng.FindContainer(ref)
		logged := 0
		if err == nil {
			logged = ct.Logs.Len()
			err = c.eng.Start(ctx, ct)
		}
		if err != nil {
			failed = append(failed, errorText(err))
			names = append(names, ref)
			continue
		}
		if f.bool("attach") {
			// This run's output only: the log before it belongs to
			// earlier runs (docker logs shows them all).
			out.Write(ct.Logs.Bytes()[logged:])
		} else {
			fmt.Fprintln(out, ref)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	// docker/cli's start prints each daemon error, then names the
	// containers it could not start.
	return fmt.Errorf("%s\nError: failed to start containers: %s", strings.Join(failed, "\n"), strings.Join(names, ", "))
}

func (c *Console) rm(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed []string
	for _, ref := range args {
		ct, err := c.eng.FindContainer(ref)
		if err == nil {
			err = c.eng.Remove(ct, f.bool("force"), f.bool("volumes"))
		}
		if err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		fmt.Fprintln(out, ref)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "\n"))
	}
	return nil
}

func (c *Console) exec(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	if len(args) == 2 && isShellName(args[1]) && f.bool("interactive") && f.bool("tty") {
		sess, err := c.eng.Attach(ct, args[1:], false, f.str("workdir"), f.list("env"), f.str("user"))
		if err != nil {
			return err
		}
		c.session = sess
		return nil
	}
	stdout, stderr, status, err := c.eng.Exec(ctx, ct, args[1:], f.str("workdir"), f.list("env"), f.str("user"))
	if err != nil {
		return err
	}
	io.WriteString(out, stdout)
	io.WriteString(out, stderr)
	if status != 0 {
		return &exitError{code: status}
	}
	return nil
}

func isShellName(s string) bool {
	switch strings.TrimPrefix(strings.TrimPrefix(s, "/usr"), "/bin/") {
	case "sh", "bash", "ash":
		return true
	}
	return false
}

// runAttached runs a line inside the container an interactive run or exec
// entered, until the shell exits.
func (c *Console) runAttached(ctx context.Context, line string, out io.Writer) int {
	text, ended := c.session.Run(ctx, line)
	io.WriteString(out, text)
	if ended {
		c.session = nil
	}
	return 0
}

// startStatus is docker run's status when the container could not start:
// 127 for a program not found, 126 for one that cannot run, else 125, as
// docker/cli decides from the daemon's error.
func startStatus(err error) int {
	var se engine.StartError
	if errors.As(err, &se) && (se.Status == 126 || se.Status == 127) {
		return se.Status
	}
	return 125
}

func (c *Console) stop(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	timeout, err := stopTimeout(f)
	if err != nil {
		return err
	}
	return c.eachContainer(args, out, func(ct *engine.Container) error {
		sig, err := stopSignalFlag(f, ct, "cannot stop container: %s: Invalid signal: %s")
		if err != nil {
			return err
		}
		c.eng.Stop(ct, timeout, sig)
		return nil
	})
}

func (c *Console) diff(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	for _, ch := range c.eng.Diff(ct) {
		fmt.Fprintf(out, "%c %s\n", ch.Kind, ch.Path)
	}
	return nil
}

func (c *Console) commit(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	ref := ""
	if len(args) == 2 {
		ref = args[1]
		if err := engine.ValidRef(ref); err != nil {
			return err
		}
	}
	img, err := c.eng.Commit(ct, ref, f.str("message"), f.str("author"), f.list("change"))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, img.ID())
	return nil
}

// timestamp reads --since and --until as the docker client does: a Go
// duration back from now ("5m", "1h30m"), an RFC 3339 date or time with or
// without zone (UTC then), or Unix seconds.
func timestamp(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05",
		"2006-01-02T15:04", "2006-01-02T15", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "eE") {
		whole := int64(secs)
		return time.Unix(whole, int64((secs-float64(whole))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("failed to parse value as time or duration: %q", v)
}

func (c *Console) logs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	lines := ct.LogLines()
	for _, bound := range []string{"since", "until"} {
		if !f.changed(bound) {
			continue
		}
		t, err := timestamp(f.str(bound), c.eng.Now())
		if err != nil {
			return cliError(fmt.Sprintf("invalid value for %q: %v", bound, err))
		}
		var kept []engine.LogLine
		for _, l := range lines {
			if bound == "since" && !l.Time.Before(t) || bound == "until" && l.Time.Before(t) {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	if n := f.str("tail"); n != "all" {
		k, err := strconv.Atoi(n)
		if err == nil && k >= 0 && k < len(lines) {
			lines = lines[len(lines)-k:]
		}
	}
	for _, l := range lines {
		if f.bool("timestamps") {
			// The daemon stamps each line with RFC 3339 and nine fixed
			// digits of nanoseconds (jsonmessage.RFC3339NanoFixed), then a
			// space.
			io.WriteString(out, l.Time.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")+" ")
		}
		io.WriteString(out, l.Text)
	}
	// docker logs -f would block until the container stops (at once for
	// one that already has). The console cannot block, so it says so and
	// ends with status 0.
	if f.bool("follow") && (ct.Running() || ct.State == engine.Restarting) {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1].Text, "\n") {
			fmt.Fprintln(out)
		}
		fmt.Fprintln(out, "[layerlab: stopped following; the console runs one command at a time]")
	}
	return nil
}
