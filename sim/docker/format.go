package docker

import (
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/docker/formatter"
)

// commandColumn is docker ps's COMMAND: the command line cut to 20 runes,
// then quoted, so a long one keeps its closing quote ("docker-entrypoint.s…").
func commandColumn(argv []string) string {
	return strconv.Quote(formatter.Ellipsis(strings.Join(argv, " "), 20))
}

// humanSize4 is go-units' HumanSize, four significant digits, which docker
// system df and the prunes' totals use.
func humanSize4(n int64) string { return formatter.HumanSize(n) }
