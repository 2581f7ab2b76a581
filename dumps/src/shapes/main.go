// Command shapes builds a heap with known shapes, keeps them alive from
// globals and from goroutine stacks, and writes a Go heap dump
// (runtime/debug.WriteHeapDump) plus a JSON file of facts about it.
//
//	usage: shapes OUT.dump OUT.facts.json
//
// Standard library only; builds with Go 1.19 and every later release.
// Used by tools/gen-dumps.sh to produce the fixtures in dumps/.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
	"unsafe"
)

// ---- types -----------------------------------------------------------------

// Node is a singly linked list node (32 bytes on 64-bit, 16 on 32-bit).
type Node struct {
	Val  int
	Name string
	Next *Node
}

// Item is the value type of ItemMap and the element type of ItemChan.
type Item struct {
	ID    int
	Name  string
	Owner *Node
	Score float64
}

// Point is the element type of the Points slice; it has a pointer field.
type Point struct {
	X, Y  int
	Label *string
}

// Big is larger than 512 bytes and has pointers: Go 1.22+ allocates it with a
// malloc header (type word) in front of the user data.
type Big struct {
	Ptrs [40]*Node
	Pad  [600]byte
}

// StackOnly is reachable only from the stack of the stackHolder goroutine.
type StackOnly struct {
	Magic uint64
	Kids  [4]*Leaf
	Note  string
}

// Leaf objects hang off StackOnly (so they are reachable only via that stack).
type Leaf struct {
	N    int
	Name string
}

// Finalized objects get finalizers.
type Finalized struct {
	ID   int
	Tag  string
	Next *Finalized
}

// Boxed is stored by value in an interface (so it is boxed on the heap).
type Boxed struct {
	A, B int
	P    *Item
}

// Named implements fmt.Stringer with a value receiver.
type Named struct {
	S string
	N *Node
}

func (n Named) String() string { return n.S }

// Celsius implements fmt.Stringer, but is never converted to fmt.Stringer
// statically: its itab is created at run time by a type assertion.
type Celsius float64

func (c Celsius) String() string { return strconv.FormatFloat(float64(c), 'f', 1, 64) + "C" }

// PanicVal is the value passed to panic() by the panicking goroutine.
type PanicVal struct {
	Msg  string
	Code int
}

// ---- exact counts -------------------------------------------------------------

const (
	numNodes        = 10000
	numMapEntries   = 500
	numPoints       = 1000
	numBig          = 50
	chanCap         = 64
	chanLen         = 10
	blobLen         = 1 << 20
	numValClosures  = 16 // closures capturing variables by value
	numRefClosures  = 2  // closures capturing a variable by reference
	numLeaves       = 4
	numKeptFinal    = 5 // registered finalizers on live objects
	numQueuedFinal  = 8 // finalizers queued behind the blocked one
	numLoopDefers   = 5 // defers in a loop on the deferLooper goroutine
	numPanicDefers  = 2 // pending loop defers on the panicking goroutine
	numPointLabels  = 10
	stackOnlyMagic  = 0x5EADBEEF
	firstNodeVal    = 1
	firstItemID     = 100000
	celsiusDegrees  = 21.5
	ifaceIntValue   = 123456789
	panicValCode    = 42
	readyGoroutines = 3
)

// ---- globals (roots) ----------------------------------------------------------

var (
	ListHead  *Node
	ItemMap   map[string]*Item
	Points    []Point
	Blob      []byte
	Bigs      []*Big
	ItemChan  chan *Item
	Closures  []func() int
	Ifaces    []any
	Stringers struct {
		Ptr fmt.Stringer // holds *Named
		Val fmt.Stringer // holds Named (boxed)
		Dyn fmt.Stringer // holds Celsius via a run-time itab
	}
	IfaceItem *Item // same pointer as Ifaces[0], for the facts
	Kept      []*Finalized

	Forever    = make(chan struct{}) // never closed, never sent on
	finStarted = make(chan struct{}, 1)

	// Written by the stackHolder goroutine: the StackOnly object is not
	// referenced by any pointer global, only by these integers.
	StackOnlyAddr  uintptr
	StackOnlyWord0 uintptr

	DeferSink int
	itemsMade int

	// Filled right before the dump (no allocation in between).
	MS       runtime.MemStats
	NumG     int
	FinalRun int
)

// ---- builders -------------------------------------------------------------------

func newItem(id int, owner *Node) *Item {
	itemsMade++
	return &Item{ID: id, Name: "item-" + strconv.Itoa(id), Owner: owner, Score: float64(id) / 3}
}

func nodeAt(i int) *Node {
	n := ListHead
	for ; i > 0 && n != nil; i-- {
		n = n.Next
	}
	return n
}

func buildList() {
	// Prepend numNodes..1 so that the head has Val == firstNodeVal.
	for v := numNodes; v >= firstNodeVal; v-- {
		ListHead = &Node{Val: v, Name: "node-" + strconv.Itoa(v), Next: ListHead}
	}
}

func buildMap() {
	ItemMap = make(map[string]*Item)
	for i := 0; i < numMapEntries; i++ {
		key := fmt.Sprintf("item-%04d", i)
		ItemMap[key] = newItem(firstItemID+i, nodeAt(i))
	}
}

func buildPoints() {
	labels := make([]*string, numPointLabels)
	for i := range labels {
		s := new(string)
		*s = "label-" + strconv.Itoa(i)
		labels[i] = s
	}
	Points = make([]Point, numPoints)
	for i := range Points {
		Points[i] = Point{X: i + 1, Y: -(i + 1), Label: labels[i%numPointLabels]}
	}
}

func buildBlob() {
	Blob = make([]byte, blobLen)
	for i := range Blob {
		Blob[i] = byte(i) // 00 01 02 ... ff 00 01 ...
	}
}

func buildBigs() {
	Bigs = make([]*Big, numBig)
	for i := range Bigs {
		b := new(Big)
		for j := range b.Ptrs {
			b.Ptrs[j] = nodeAt(i + j)
		}
		for j := range b.Pad {
			b.Pad[j] = byte(i)
		}
		Bigs[i] = b
	}
}

func buildChan() {
	ItemChan = make(chan *Item, chanCap)
	for i := 0; i < chanLen; i++ {
		ItemChan <- newItem(firstItemID+10000+i, nil)
	}
}

func buildClosures() {
	fs := make([]func() int, 0, numValClosures+numRefClosures)
	for i := 0; i < numValClosures; i++ {
		x := i * 7
		node := nodeAt(i)
		fs = append(fs, func() int { return x + node.Val })
	}
	for i := 0; i < numRefClosures; i++ {
		counter := i * 1000
		fs = append(fs, func() int { counter++; return counter })
	}
	Closures = fs
}

func buildIfaces() {
	IfaceItem = newItem(firstItemID+20000, ListHead)
	Ifaces = []any{
		IfaceItem,                              // *T
		Boxed{A: 7, B: 8, P: IfaceItem},        // struct value (boxed)
		ifaceIntValue,                          // int (boxed)
		"iface-string-" + strconv.Itoa(4242),   // string (boxed header, heap data)
		ListHead.Next,                          // another *T
		&PanicVal{Msg: "not a panic", Code: 7}, // *T of another type
		[2]int{3, 4},                           // small array value
		Named{S: "named-in-any", N: ListHead},  // value with methods
	}
	Stringers.Ptr = &Named{S: "named-ptr", N: ListHead}
	Stringers.Val = Named{S: "named-val-" + strconv.Itoa(1), N: nodeAt(2)}
	var x any = Celsius(celsiusDegrees)
	if s, ok := x.(fmt.Stringer); ok {
		Stringers.Dyn = s
	}
}

// ---- finalizers -------------------------------------------------------------------

func keptFinalizer(f *Finalized) { FinalRun++ }

// blockingFinalizer blocks the finalizer goroutine forever on its first call,
// so later finalizers stay queued (heap dump tag 11).
func blockingFinalizer(f *Finalized) {
	FinalRun++
	select {
	case finStarted <- struct{}{}:
	default:
	}
	<-Forever
	runtime.KeepAlive(f)
}

func buildKeptFinalized() {
	for i := 0; i < numKeptFinal; i++ {
		f := &Finalized{ID: 500 + i, Tag: "kept-" + strconv.Itoa(i)}
		if i > 0 {
			f.Next = Kept[i-1]
		}
		runtime.SetFinalizer(f, keptFinalizer)
		Kept = append(Kept, f)
	}
}

//go:noinline
func dropFinalized(n, base int) {
	for i := 0; i < n; i++ {
		f := &Finalized{ID: base + i, Tag: "dropped-" + strconv.Itoa(base+i)}
		runtime.SetFinalizer(f, blockingFinalizer)
	}
}

// setupQueuedFinalizers returns true if the finalizer goroutine is blocked
// and numQueuedFinal further finalizers have been handed to the GC.
func setupQueuedFinalizers() bool {
	dropFinalized(1, 1000)
	started := false
	for try := 0; try < 50 && !started; try++ {
		runtime.GC()
		select {
		case <-finStarted:
			started = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	dropFinalized(numQueuedFinal, 2000)
	runtime.GC()
	runtime.GC()
	return started
}

// ---- goroutines -------------------------------------------------------------------

//go:noinline
func newStackOnly() *StackOnly {
	so := &StackOnly{Magic: stackOnlyMagic, Note: "stack-only-" + strconv.Itoa(7)}
	for i := range so.Kids {
		so.Kids[i] = &Leaf{N: i, Name: "leaf-" + strconv.Itoa(i)}
	}
	return so
}

// stackHolder keeps a *StackOnly only in its own stack frame while blocked.
func stackHolder(ready chan<- struct{}) {
	so := newStackOnly()
	StackOnlyAddr = uintptr(unsafe.Pointer(so))
	StackOnlyWord0 = *(*uintptr)(unsafe.Pointer(so))
	ready <- struct{}{}
	<-Forever
	runtime.KeepAlive(so)
}

func deferSink(i int) { DeferSink += i }

// deferLooper blocks with numLoopDefers heap-allocated defer records pending.
func deferLooper(ready chan<- struct{}) {
	for i := 0; i < numLoopDefers; i++ {
		defer deferSink(i)
	}
	ready <- struct{}{}
	<-Forever
}

// panicker panics, and blocks inside the first deferred call that runs, so
// the goroutine has a _panic record and pending _defer records.
func panicker(ready chan<- struct{}) {
	for i := 0; i < numPanicDefers; i++ {
		defer deferSink(100 + i)
	}
	defer func() {
		ready <- struct{}{}
		<-Forever
	}()
	panic(&PanicVal{Msg: "shapes: deliberate panic", Code: panicValCode})
}

// ---- facts -------------------------------------------------------------------------

type known struct {
	Name  string `json:"name"`
	Addr  string `json:"addr"`
	Type  string `json:"type"`
	Size  uint64 `json:"size"`
	Word0 uint64 `json:"word0"`
}

type facts struct {
	Program   string `json:"program"`
	GoVersion string `json:"go_version"`
	GOARCH    string `json:"goarch"`
	PtrSize   uint64 `json:"ptr_size"`
	BigEndian bool   `json:"big_endian"`
	MemStats  struct {
		HeapAlloc   uint64 `json:"heap_alloc"`
		HeapObjects uint64 `json:"heap_objects"`
		Mallocs     uint64 `json:"mallocs"`
		Frees       uint64 `json:"frees"`
		NumGC       uint32 `json:"num_gc"`
	} `json:"memstats"`
	NumGoroutine  int            `json:"num_goroutine"`
	FinalizersSet int            `json:"finalizers_set"`
	Built         map[string]int `json:"built"`
	Known         []known        `json:"known"`
}

func word0(p unsafe.Pointer) uint64 { return uint64(*(*uintptr)(p)) }

func addr(p unsafe.Pointer) string { return fmt.Sprintf("0x%x", uintptr(p)) }

func bigEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}

func writeFacts(path string, queuedOK bool) error {
	var fx facts
	fx.Program = "shapes"
	fx.GoVersion = runtime.Version()
	fx.GOARCH = runtime.GOARCH
	fx.PtrSize = uint64(unsafe.Sizeof(uintptr(0)))
	fx.BigEndian = bigEndian()
	fx.MemStats.HeapAlloc = MS.HeapAlloc
	fx.MemStats.HeapObjects = MS.HeapObjects
	fx.MemStats.Mallocs = MS.Mallocs
	fx.MemStats.Frees = MS.Frees
	fx.MemStats.NumGC = MS.NumGC
	fx.NumGoroutine = NumG
	fx.FinalizersSet = numKeptFinal
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	fx.Built = map[string]int{
		"main.Node":                 numNodes,
		"main.Item":                 itemsMade, // map values + chan items + Ifaces[0]
		"main.Item_map":             numMapEntries,
		"main.Item_chan":            chanLen,
		"main.Item_iface":           1,
		"main.Point_elems":          numPoints,
		"point_labels":              numPointLabels,
		"main.Big":                  numBig,
		"map_entries":               len(ItemMap),
		"chan_len":                  len(ItemChan),
		"chan_cap":                  cap(ItemChan),
		"bytes_len":                 len(Blob),
		"closures":                  len(Closures),
		"closures_by_value":         numValClosures,
		"closures_by_ref":           numRefClosures,
		"ifaces":                    len(Ifaces),
		"stringers":                 3,
		"main.StackOnly":            1,
		"main.Leaf":                 numLeaves,
		"main.Finalized_registered": numKeptFinal,
		"main.Finalized_queued":     numQueuedFinal,
		"main.Finalized_running":    1,
		"queued_finalizer_setup_ok": b2i(queuedOK),
		"user_goroutines_blocked":   readyGoroutines,
		"defers_loop":               numLoopDefers,
		"defers_panic_pending":      numPanicDefers,
		"main.PanicVal":             2, // one panicking, one in Ifaces
		"panic_val_code":            panicValCode,
		"stack_only_magic":          stackOnlyMagic,
		"first_node_val":            firstNodeVal,
		"first_item_id":             firstItemID,
	}
	item0 := ItemMap["item-0000"]
	fx.Known = []known{
		{"ListHead", addr(unsafe.Pointer(ListHead)), "main.Node", uint64(unsafe.Sizeof(Node{})), word0(unsafe.Pointer(ListHead))},
		{"ItemMap[item-0000]", addr(unsafe.Pointer(item0)), "main.Item", uint64(unsafe.Sizeof(Item{})), word0(unsafe.Pointer(item0))},
		{"Bigs[0]", addr(unsafe.Pointer(Bigs[0])), "main.Big", uint64(unsafe.Sizeof(Big{})), word0(unsafe.Pointer(Bigs[0]))},
		{"Blob", addr(unsafe.Pointer(&Blob[0])), fmt.Sprintf("[%d]uint8", len(Blob)), uint64(len(Blob)), word0(unsafe.Pointer(&Blob[0]))},
		{"Points", addr(unsafe.Pointer(&Points[0])), fmt.Sprintf("[%d]main.Point", len(Points)), uint64(unsafe.Sizeof(Point{})) * uint64(len(Points)), word0(unsafe.Pointer(&Points[0]))},
		{"StackOnly", fmt.Sprintf("0x%x", StackOnlyAddr), "main.StackOnly", uint64(unsafe.Sizeof(StackOnly{})), uint64(StackOnlyWord0)},
		{"Kept[0]", addr(unsafe.Pointer(Kept[0])), "main.Finalized", uint64(unsafe.Sizeof(Finalized{})), word0(unsafe.Pointer(Kept[0]))},
	}
	out, err := json.MarshalIndent(&fx, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

// ---- main ---------------------------------------------------------------------------

func main() {
	runtime.MemProfileRate = 1 // sample every allocation: tags 16/17

	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: shapes OUT.dump OUT.facts.json")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "shapes:", err)
		os.Exit(1)
	}

	buildList()
	buildMap()
	buildPoints()
	buildBlob()
	buildBigs()
	buildChan()
	buildClosures()
	buildIfaces()
	buildKeptFinalized()

	ready := make(chan struct{}, readyGoroutines)
	go stackHolder(ready)
	go deferLooper(ready)
	go panicker(ready)
	for i := 0; i < readyGoroutines; i++ {
		<-ready
	}

	queuedOK := setupQueuedFinalizers()
	if !queuedOK {
		fmt.Fprintln(os.Stderr, "shapes: warning: the blocking finalizer did not start")
	}

	// Reference runtime.MemProfile so that the linker keeps memory
	// profiling on (otherwise no memprof/allocsample records).
	runtime.MemProfile(nil, true)

	time.Sleep(200 * time.Millisecond) // let the goroutines reach their blocking receives
	runtime.GC()
	runtime.GC()

	fd := f.Fd()
	NumG = runtime.NumGoroutine()
	runtime.ReadMemStats(&MS)
	debug.WriteHeapDump(fd)

	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "shapes:", err)
		os.Exit(1)
	}
	if err := writeFacts(os.Args[2], queuedOK); err != nil {
		fmt.Fprintln(os.Stderr, "shapes:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(ready)
}
