package docker

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"layerlab/sim/engine"
	"layerlab/sim/errdefs"
)

// filterContainers applies docker ps --filter: name, status, ancestor, id.
func filterContainers(list []*engine.Container, filters []string) ([]*engine.Container, error) {
	for _, f := range filters {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, errdefs.InvalidParameter(errors.New("bad format of filter (expected name=value)"))
		}
		var keep []*engine.Container
		for _, ct := range list {
			var match bool
			switch key {
			case "name":
				match = strings.Contains(ct.Name, val)
			case "status":
				match = ct.State == val
			case "ancestor":
				match = ct.ImageRef == val || engine.NormalizeRef(ct.ImageRef) == engine.NormalizeRef(val) || strings.HasPrefix(ct.Image.ID().Encoded(), val)
			case "id":
				match = strings.HasPrefix(ct.ID, val)
			case "volume":
				match = slices.Contains(volumeMountsOf(ct), val)
			case "exited":
				match = ct.State == engine.Exited && fmt.Sprint(ct.ExitCode) == val
			default:
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s'", key))
			}
			if match {
				keep = append(keep, ct)
			}
		}
		list = keep
	}
	return list, nil
}
