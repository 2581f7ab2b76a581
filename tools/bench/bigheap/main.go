// Command bigheap builds a large heap (default at least 5,000,000 live heap
// objects) and writes a Go heap dump of it, for benchmarking the reader.
//
//	usage: bigheap OUT.dump [OBJECTS]
//
// The facts JSON (same keys as dumps/src/shapes, program "bigheap") goes to
// standard output. Standard library only; builds with Go 1.19 and later.
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

// Node is a linked-list node; every node has its own name string.
type Node struct {
	Val  int
	Name string
	Next *Node
}

// Rec is the value type of the map.
type Rec struct {
	ID    int
	Owner *Node
	Peer  *Rec
	Score float64
}

// Leaf objects are held by chunks of []*Leaf.
type Leaf struct {
	N     int
	Left  *Leaf
	Right *Leaf
	Rec   *Rec
}

const (
	numLists   = 16   // independent linked lists
	chunkLen   = 1000 // leaves per []*Leaf chunk
	numHolders = 4    // goroutines holding a list head on their stack
)

var (
	Lists  []*Node
	Recs   map[int]*Rec
	Chunks [][]*Leaf

	Forever = make(chan struct{})

	MS   runtime.MemStats
	NumG int
)

// Every name is at least 16 bytes so that it is not packed by the tiny allocator.
func name(prefix string, i int) string {
	return prefix + strconv.Itoa(100000000+i)
}

func build(total int) (nodes, recs, leaves int) {
	nodes = total * 32 / 100 // 2 objects each (node + name)
	recs = total * 12 / 100  // 1 object each, plus map buckets
	leaves = total - 2*nodes - recs
	if leaves < 0 {
		leaves = 0
	}

	Lists = make([]*Node, numLists)
	for i := nodes - 1; i >= 0; i-- {
		l := i % numLists
		Lists[l] = &Node{Val: i + 1, Name: name("bigheap-node-", i), Next: Lists[l]}
	}

	Recs = make(map[int]*Rec, recs)
	var prev *Rec
	for i := 0; i < recs; i++ {
		r := &Rec{ID: i + 1, Owner: Lists[i%numLists], Peer: prev, Score: float64(i) * 0.5}
		Recs[i] = r
		prev = r
	}

	var chunk []*Leaf
	var last *Leaf
	for i := 0; i < leaves; i++ {
		if len(chunk) == cap(chunk) {
			if chunk != nil {
				Chunks = append(Chunks, chunk)
			}
			chunk = make([]*Leaf, 0, chunkLen)
		}
		lf := &Leaf{N: i + 1, Left: last}
		if last != nil {
			last.Right = lf
		}
		if i%7 == 0 && recs > 0 {
			lf.Rec = Recs[i%recs]
		}
		chunk = append(chunk, lf)
		last = lf
	}
	if len(chunk) > 0 {
		Chunks = append(Chunks, chunk)
	}
	return
}

// holder keeps its own small list only on its stack.
func holder(id int, ready chan<- struct{}) {
	var head *Node
	for i := 0; i < 100; i++ {
		head = &Node{Val: -(id*1000 + i), Name: name("bigheap-stack-", id*1000+i), Next: head}
	}
	ready <- struct{}{}
	<-Forever
	runtime.KeepAlive(head)
}

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
func addr(p unsafe.Pointer) string  { return fmt.Sprintf("0x%x", uintptr(p)) }

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: bigheap OUT.dump [OBJECTS]")
		os.Exit(2)
	}
	total := 5000000
	if len(os.Args) == 3 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 100 {
			fmt.Fprintln(os.Stderr, "bigheap: OBJECTS must be an integer >= 100")
			os.Exit(2)
		}
		total = n
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigheap:", err)
		os.Exit(1)
	}

	t0 := time.Now()
	nodes, recs, leaves := build(total)
	ready := make(chan struct{}, numHolders)
	for i := 0; i < numHolders; i++ {
		go holder(i, ready)
	}
	for i := 0; i < numHolders; i++ {
		<-ready
	}
	runtime.MemProfile(nil, true) // keep memory profiling linked in (tags 16/17)
	tBuild := time.Since(t0)

	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	fd := f.Fd()
	NumG = runtime.NumGoroutine()
	runtime.ReadMemStats(&MS)
	t1 := time.Now()
	debug.WriteHeapDump(fd)
	tDump := time.Since(t1)
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "bigheap:", err)
		os.Exit(1)
	}

	var fx facts
	fx.Program = "bigheap"
	fx.GoVersion = runtime.Version()
	fx.GOARCH = runtime.GOARCH
	fx.PtrSize = uint64(unsafe.Sizeof(uintptr(0)))
	x := uint16(1)
	fx.BigEndian = *(*byte)(unsafe.Pointer(&x)) == 0
	fx.MemStats.HeapAlloc = MS.HeapAlloc
	fx.MemStats.HeapObjects = MS.HeapObjects
	fx.MemStats.Mallocs = MS.Mallocs
	fx.MemStats.Frees = MS.Frees
	fx.MemStats.NumGC = MS.NumGC
	fx.NumGoroutine = NumG
	fx.FinalizersSet = 0
	fx.Built = map[string]int{
		"objects_requested": total,
		"main.Node":         nodes + numHolders*100,
		"main.Node_global":  nodes,
		"node_names":        nodes + numHolders*100,
		"main.Rec":          recs,
		"map_entries":       len(Recs),
		"main.Leaf":         leaves,
		"leaf_chunks":       len(Chunks),
		"lists":             numLists,
		"stack_holders":     numHolders,
		"build_ms":          int(tBuild / time.Millisecond),
		"dump_ms":           int(tDump / time.Millisecond),
	}
	var r0 *Rec
	if recs > 0 {
		r0 = Recs[0]
	}
	fx.Known = []known{
		{"Lists[0]", addr(unsafe.Pointer(Lists[0])), "main.Node", uint64(unsafe.Sizeof(Node{})), word0(unsafe.Pointer(Lists[0]))},
	}
	if r0 != nil {
		fx.Known = append(fx.Known, known{"Recs[0]", addr(unsafe.Pointer(r0)), "main.Rec", uint64(unsafe.Sizeof(Rec{})), word0(unsafe.Pointer(r0))})
	}
	if len(Chunks) > 0 {
		fx.Known = append(fx.Known, known{"Chunks[0][0]", addr(unsafe.Pointer(Chunks[0][0])), "main.Leaf", uint64(unsafe.Sizeof(Leaf{})), word0(unsafe.Pointer(Chunks[0][0]))})
	}
	out, err := json.MarshalIndent(&fx, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigheap:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
