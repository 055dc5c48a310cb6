package union

import (
	"fmt"

	"github.com/docker/go-units"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
)

// Quota bounds what a writable layer stores, checked before each change
// is made: a change past a bound fails with an error wrapping sim.ErrLimit
// that names the bound, and nothing changes.
//
// Stored bytes are what the simulator really holds: the content of a file
// (zeros past its data are not stored, so a teaching copy with a large
// apparent size costs little until something writes past its data, which
// stores all of it) plus a fixed cost per path. A lower file copied up only
// for a change of owner or mode shares its data with the lower layer and
// costs only its path.
type Quota struct {
	FileBytes int64   // stored bytes of one file; 0 means no bound
	Entries   int     // paths the writable layer may hold; 0 means no bound
	Session   *Budget // room shared by every writable layer of a session; nil means no bound
}

// Budget is the room left for stored bytes, shared by the writable layers
// (containers, volumes, build steps) of one session. Writes take from it;
// removals give back.
type Budget struct {
	Left  int64 // bytes that may still be stored
	Limit int64 // the whole budget, for messages
}

// EntryCost is what one path costs besides its content: the entry itself
// and the maps that index it.
const EntryCost = 256

// StoredBytes is what a layer really holds: its files' data and a fixed
// cost per entry, as Quota counts a writable layer.
func StoredBytes(l *layer.Layer) int64 {
	var n int64
	for _, e := range l.Entries() {
		n += EntryCost + int64(len(e.Path)+len(e.Linkname)+len(e.Data))
	}
	return n
}

// SetQuota bounds what the writable layer may store from now on.
func (o *Overlay) SetQuota(q Quota) { o.quota = &q }

// Stored is what the writable layer holds now, counted as Quota counts it.
func (o *Overlay) Stored() int64 { return o.stored }

// cost is what one entry of the writable layer holds.
func (u *upEntry) storedCost() int64 {
	n := int64(EntryCost + len(u.e.Path) + len(u.e.Linkname))
	if !u.shared {
		n += int64(len(u.e.Data))
	}
	return n
}

// account records that u's cost changed from before.
func (o *Overlay) account(before, after int64) {
	o.stored += after - before
	if o.quota != nil && o.quota.Session != nil {
		o.quota.Session.Left -= after - before
	}
}

// admit checks a change before it is made: at p, an entry that is new to
// the writable layer or not, whose file data will be data bytes (-1 when
// no file data is written) and whose cost grows by grow.
func (o *Overlay) admit(p string, data, grow int64) error {
	q := o.quota
	if q == nil {
		return nil
	}
	if q.FileBytes > 0 && data > q.FileBytes {
		return sim.LimitError(fmt.Sprintf("/%s would store %s, more than one file may", p, units.BytesSize(float64(data))), units.BytesSize(float64(q.FileBytes)))
	}
	if _, ok := o.up[p]; !ok && q.Entries > 0 && len(o.up) >= q.Entries {
		return sim.LimitError("a writable layer would hold more paths than it may", fmt.Sprintf("%d paths", q.Entries))
	}
	if q.Session != nil && grow > 0 && grow > q.Session.Left {
		return sim.LimitError("this session's files would take more room than it has", units.BytesSize(float64(q.Session.Limit))+" of stored files per session")
	}
	return nil
}

// admitNew checks a new entry e at p.
func (o *Overlay) admitNew(p string, e *layer.Entry) error {
	grow := int64(EntryCost + len(p) + len(e.Linkname) + len(e.Data))
	data := int64(-1)
	if e.Type == layer.TypeReg {
		data = int64(len(e.Data))
	}
	return o.admit(p, data, grow)
}

// admitCopyUp checks copying up p: it costs its path when it is not in the
// writable layer yet.
func (o *Overlay) admitCopyUp(p string) error {
	if u, ok := o.up[p]; ok && !u.deleted {
		return nil
	}
	return o.admit(p, -1, int64(EntryCost+len(p)))
}
