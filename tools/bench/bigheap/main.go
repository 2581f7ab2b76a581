// Command bigheap builds a large heap (default at least 10,000,000 live heap
// objects and about 2.3 pointers between them per object) and writes a Go
// heap dump of it, for benchmarking goheap.
//
//	usage: bigheap OUT.dump [OBJECTS]
//
// The heap is a mix of shapes found in real programs, in fixed proportions
// of OBJECTS:
//
//   - 16 singly linked lists of Node, every node with its own name string
//     (24 %: 2 objects and 2 pointers a node);
//   - 64 balanced binary trees of TNode (30 %), every node also pointing to
//     one of 1024 shared Meta objects (a subgraph shared by all trees);
//   - a map[int]*Rec (12 %), each Rec pointing to a list head (shared) and
//     to the previous Rec (a chain through the map's values);
//   - slices of 1000 *Leaf (the rest), the leaves doubly linked across all
//     slices, every 7th pointing into the map's Recs;
//   - 4 goroutines holding a 100-node list only on their stacks.
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

// TNode is a binary tree node; Meta is shared between many nodes.
type TNode struct {
	Key   int
	Left  *TNode
	Right *TNode
	Meta  *Meta
}

// Meta is shared by tree nodes; Metas form a chain through Parent.
type Meta struct {
	ID     int
	Name   string
	Parent *Meta
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
	numTrees   = 64   // independent binary trees
	numMetas   = 1024 // Meta objects shared by the trees
	chunkLen   = 1000 // leaves per []*Leaf chunk
	numHolders = 4    // goroutines holding a list head on their stack
)

var (
	Lists  []*Node
	Trees  []*TNode
	Metas  []*Meta
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

type counts struct {
	nodes, tnodes, metas, recs, leaves int
}

// tree builds a balanced tree of n nodes (heap order: the children of
// node i are 2i+1 and 2i+2) and returns its root.
func tree(n, key int) *TNode {
	if n == 0 {
		return nil
	}
	ns := make([]*TNode, n)
	for i := range ns {
		ns[i] = &TNode{Key: key + i, Meta: Metas[(key+i*7)%numMetas]}
	}
	for i := range ns {
		if l := 2*i + 1; l < n {
			ns[i].Left = ns[l]
		}
		if r := 2*i + 2; r < n {
			ns[i].Right = ns[r]
		}
	}
	return ns[0]
}

func build(total int) (c counts) {
	c.nodes = total * 12 / 100 // 2 objects each (node + name)
	c.metas = numMetas         // 2 objects each (meta + name)
	c.tnodes = total*30/100 - 2*c.metas
	if c.tnodes < 0 {
		c.tnodes = 0
	}
	c.recs = total * 12 / 100 // 1 object each, plus map groups
	c.leaves = total - 2*c.nodes - 2*c.metas - c.tnodes - c.recs
	if c.leaves < 0 {
		c.leaves = 0
	}

	Lists = make([]*Node, numLists)
	for i := c.nodes - 1; i >= 0; i-- {
		l := i % numLists
		Lists[l] = &Node{Val: i + 1, Name: name("bigheap-node-", i), Next: Lists[l]}
	}

	Metas = make([]*Meta, numMetas)
	for i := range Metas {
		m := &Meta{ID: i + 1, Name: name("bigheap-meta-", i)}
		if i > 0 {
			m.Parent = Metas[(i-1)/2]
		}
		Metas[i] = m
	}
	Trees = make([]*TNode, numTrees)
	key := 0
	for t := 0; t < numTrees; t++ {
		n := c.tnodes / numTrees
		if t < c.tnodes%numTrees {
			n++
		}
		Trees[t] = tree(n, key)
		key += n
	}

	Recs = make(map[int]*Rec, c.recs)
	var prev *Rec
	for i := 0; i < c.recs; i++ {
		r := &Rec{ID: i + 1, Owner: Lists[i%numLists], Peer: prev, Score: float64(i) * 0.5}
		Recs[i] = r
		prev = r
	}

	var chunk []*Leaf
	var last *Leaf
	for i := 0; i < c.leaves; i++ {
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
		if i%7 == 0 && c.recs > 0 {
			lf.Rec = Recs[i%c.recs]
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
	total := 10000000
	if len(os.Args) == 3 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 10000 {
			fmt.Fprintln(os.Stderr, "bigheap: OBJECTS must be an integer >= 10000")
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
	c := build(total)
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
		"main.Node":         c.nodes + numHolders*100,
		"main.Node_global":  c.nodes,
		"node_names":        c.nodes + numHolders*100,
		"main.TNode":        c.tnodes,
		"main.Meta":         c.metas,
		"trees":             numTrees,
		"main.Rec":          c.recs,
		"map_entries":       len(Recs),
		"main.Leaf":         c.leaves,
		"leaf_chunks":       len(Chunks),
		"lists":             numLists,
		"stack_holders":     numHolders,
		"build_ms":          int(tBuild / time.Millisecond),
		"dump_ms":           int(tDump / time.Millisecond),
	}
	fx.Known = []known{
		{"Lists[0]", addr(unsafe.Pointer(Lists[0])), "main.Node", uint64(unsafe.Sizeof(Node{})), word0(unsafe.Pointer(Lists[0]))},
	}
	if Trees[0] != nil {
		fx.Known = append(fx.Known, known{"Trees[0]", addr(unsafe.Pointer(Trees[0])), "main.TNode", uint64(unsafe.Sizeof(TNode{})), word0(unsafe.Pointer(Trees[0]))})
	}
	if r0 := Recs[0]; r0 != nil {
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
