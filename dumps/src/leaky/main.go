// Command leaky simulates a small service with a planted memory leak and
// writes two Go heap dumps (runtime/debug.WriteHeapDump) of one run, plus a
// JSON file of facts about each:
//
//	usage: leaky EARLY.dump EARLY.facts.json OUT.dump OUT.facts.json
//
// The leak: every simulated request adds a *Session to the global map
// main.sessions and nothing ever removes it. Healthy state that is not a
// leak: a bounded LRU cache (main.cache, container/list + map), a config
// struct (main.config), and a worker goroutine whose frame holds a batch of
// jobs (the local variable batch of main.worker) while it blocks on a
// channel. The early dump is written after earlyRequests requests, the
// main one after totalRequests: between them the leak grows and the cache
// stays the same size.
//
// After the main dump the program is its own oracle: it releases each of
// the three structures in turn (sessions = nil, cache = nil, the worker
// returns from the frame that holds its batch), collects garbage twice, and
// records how much runtime.MemStats.HeapAlloc dropped. The structures share
// no object (every string they hold is either static or at least 16 bytes,
// so none sits in a tiny-allocator block), so each drop is the retained
// size of that root in the dump. Nothing in the program allocates during
// the oracle, and the runtime is kept from doing so (one P, so no new
// thread; sudog caches and timer heaps warmed up before the dumps); each
// step still records the runtime's allocations (runtime_mallocs, normally
// 0) and the bytes freed (freed_bytes, TotalAlloc-HeapAlloc, which those
// allocations cannot lower).
//
// Standard library only; builds with Go 1.19 and every later release.
// Used by tools/gen-dumps.sh to produce the fixtures in dumps/.
package main

import (
	"container/list"
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

// Session is what the leak keeps: one per request, never removed.
type Session struct {
	Seq     int
	ID      string // "sess-%012d": 17 bytes, never a tiny allocation
	User    string // static
	Created int64
	Buf     []byte // 1024..2048 bytes of a request log line, repeated
	Events  []*Event
}

// Event is something that happened in a session.
type Event struct {
	Seq     int
	Kind    string // static
	At      int64
	Code    int32
	Session *Session
}

// entry is the value of a cache element.
type entry struct {
	key string
	val []byte
}

// LRU is a bounded least-recently-used cache: at most cap entries.
type LRU struct {
	cap    int
	ll     *list.List               // front: most recently used; values are *entry
	items  map[string]*list.Element // key -> element of ll
	hits   int
	misses int
}

// Config is the service configuration.
type Config struct {
	Name     string
	Listen   string
	MaxIdle  time.Duration
	CacheCap int
	Tags     []string
	Limits   map[string]int
}

// Job is one unit of work in the worker's batch.
type Job struct {
	ID      int
	Name    string // static
	Payload [104]byte
}

// ---- sizes ---------------------------------------------------------------------

const (
	earlyRequests  = 1000
	totalRequests  = 3000
	cacheCap       = 256
	cacheKeySpace  = 1000 // distinct cache keys: the cache is full and evicts
	cacheHotKeys   = 100  // three requests in four ask for one of these
	cacheValueLen  = 512
	sessionBufMin  = 1024
	sessionBufSpan = 1025 // buffers are sessionBufMin..sessionBufMin+sessionBufSpan-1 bytes
	maxEvents      = 8    // a session has 0..maxEvents-1 events
	numJobs        = 3000
	firstSeq       = 1
	baseUnix       = 1700000000
)

var (
	users      = [...]string{"alice@example.com", "bob@example.com", "carol@example.org", "dave@example.net", "erin@example.com"}
	eventKinds = [...]string{"login", "view_item", "add_to_cart", "remove_from_cart", "checkout", "logout"}
	jobNames   = [...]string{"reindex-orders", "send-newsletter", "expire-coupons", "rebuild-thumbnails"}
)

const reqTemplate = "POST /api/v2/orders HTTP/1.1\r\nHost: shop.example.com\r\n" +
	"User-Agent: leaky-client/1.4 (linux)\r\nContent-Type: application/json\r\nX-Session-Seq: "

// ---- globals (roots) ----------------------------------------------------------------

// sessions is the planted leak.
var sessions = map[string]*Session{}

// cache is bounded: not a leak. Made in main, not by a package-level
// initializer: the compiler may allocate an initializer's &LRU{} statically
// in the data segment, where cache = nil would not free it.
var cache *LRU

// config is a plain struct global.
var config Config

var (
	forever  = make(chan struct{}) // never closed, never sent on
	ready    = make(chan struct{}, 1)
	dropReq  = make(chan struct{}) // tells the worker to drop its batch
	dropAck  = make(chan struct{}) // the worker has dropped it
	workSink int

	requests int // served so far
	events   int // events made so far (all kept by sessions)
	bufBytes int // sum of len(Session.Buf)

	// Known objects, recorded as integers only (a pointer here would be a
	// second root and change what the roots retain).
	sess1Addr, sess1Word0 uintptr
	job0Addr, job0Word0   uintptr
	cacheAddr, cacheWord0 uintptr

	// Filled right before each dump (no allocation in between).
	MS   runtime.MemStats
	NumG int

	// The oracle: HeapAlloc after GC at the start and after each release.
	oms           runtime.MemStats
	oracleHeap    [4]uint64
	oracleMallocs [4]uint64
	oracleFreed   [4]uint64
)

// ---- the service ---------------------------------------------------------------------

func newLRU(capacity int) *LRU {
	return &LRU{cap: capacity, ll: list.New(), items: make(map[string]*list.Element)}
}

func (c *LRU) Get(key string) ([]byte, bool) {
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		c.hits++
		return e.Value.(*entry).val, true
	}
	c.misses++
	return nil, false
}

func (c *LRU) Put(key string, val []byte) {
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		e.Value.(*entry).val = val
		return
	}
	c.items[key] = c.ll.PushFront(&entry{key: key, val: val})
	for c.ll.Len() > c.cap {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*entry).key)
	}
}

func loadConfig() {
	config = Config{
		Name:     "leaky-service",
		Listen:   "127.0.0.1:8080",
		MaxIdle:  90 * time.Second,
		CacheCap: cacheCap,
		Tags:     []string{"shop", "orders", "eu-west"},
		Limits:   map[string]int{"max_body_bytes": 1 << 20, "max_events": maxEvents, "rps": 500},
	}
}

// fill writes a request log line for seq into buf, repeated from offset seq.
func fill(buf []byte, seq int) {
	var line [256]byte
	l := copy(line[:], reqTemplate)
	l += len(strconv.AppendInt(line[l:l], int64(seq), 10))
	l += copy(line[l:], "\r\n\r\n{\"sku\":\"A-")
	l += len(strconv.AppendInt(line[l:l], int64(seq*7919%100000), 10))
	l += copy(line[l:], "\",\"qty\":1}\n")
	for i := range buf {
		buf[i] = line[(i+seq)%l]
	}
}

// handle serves one request: it opens a session that is never closed (the
// leak) and looks up the cache, filling it on a miss.
//
//go:noinline
func handle(seq int) {
	s := &Session{
		Seq:     seq,
		ID:      fmt.Sprintf("sess-%012d", seq),
		User:    users[seq%len(users)],
		Created: baseUnix + int64(seq),
	}
	s.Buf = make([]byte, sessionBufMin+(seq*37)%sessionBufSpan)
	fill(s.Buf, seq)
	bufBytes += len(s.Buf)
	for i := 0; i < (seq*5)%maxEvents; i++ {
		s.Events = append(s.Events, &Event{
			Seq: i, Kind: eventKinds[(seq+i)%len(eventKinds)], At: s.Created + int64(i), Code: int32(200 + i), Session: s,
		})
		events++
	}
	sessions[s.ID] = s

	k := seq * 7919 % cacheKeySpace
	if seq%4 != 0 {
		k %= cacheHotKeys // most requests ask for a hot key: cache hits
	}
	key := fmt.Sprintf("cache-key-%08d", k)
	if _, ok := cache.Get(key); !ok {
		v := make([]byte, cacheValueLen)
		fill(v, seq)
		cache.Put(key, v)
	}
	requests++
}

//go:noinline
func serve(upTo int) {
	for requests < upTo {
		handle(firstSeq + requests)
	}
}

// ---- the worker ---------------------------------------------------------------------------

//go:noinline
func loadBatch(n int) []*Job {
	batch := make([]*Job, n)
	for i := range batch {
		j := &Job{ID: 9000 + i, Name: jobNames[i%len(jobNames)]}
		for k := range j.Payload {
			j.Payload[k] = byte('a' + (i+k)%26)
		}
		batch[i] = j
	}
	return batch
}

// worker holds its batch in a local variable while it blocks on dropReq,
// and returns (dropping the batch) when told to.
//
//go:noinline
func worker() int {
	batch := loadBatch(numJobs)
	job0Addr = uintptr(unsafe.Pointer(batch[0]))
	job0Word0 = *(*uintptr)(unsafe.Pointer(batch[0]))
	ready <- struct{}{}
	<-dropReq
	n := 0
	for _, j := range batch { // batch is live across the receive
		n += j.ID & 1
	}
	return n
}

//go:noinline
func workerMain() {
	workSink = worker()
	dropAck <- struct{}{}
	<-forever
}

// ---- facts ---------------------------------------------------------------------------------

type known struct {
	Name  string `json:"name"`
	Addr  string `json:"addr"`
	Type  string `json:"type"`
	Size  uint64 `json:"size"`
	Word0 uint64 `json:"word0"`
}

type oracleEntry struct {
	Root            string `json:"root,omitempty"`
	RootFrameFunc   string `json:"root_frame_func,omitempty"`
	RootVar         string `json:"root_var,omitempty"`
	HeapAllocBefore uint64 `json:"heap_alloc_before"`
	HeapAllocAfter  uint64 `json:"heap_alloc_after"`
	HeapAllocDrop   int64  `json:"heap_alloc_drop"`
	// Allocations during the step: the program makes none, so these are
	// the runtime's own (a sudog for a channel wait, ...); a non-zero count
	// explains a drop a few bytes short of the retained size.
	RuntimeMallocs uint64 `json:"runtime_mallocs"`
	// Bytes freed during the step, TotalAlloc-HeapAlloc after minus
	// before: unlike the drop, not lowered by what the runtime allocated
	// and kept during the step.
	FreedBytes uint64 `json:"freed_bytes"`
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
	Oracle        []oracleEntry  `json:"oracle,omitempty"`
}

// snapshot holds the counts for one dump, taken just before it.
type snapshot struct {
	sessions, events, bufBytes, requests, cacheEntries, hits, misses int
}

var snap [2]snapshot

func takeSnapshot(i int) {
	snap[i] = snapshot{len(sessions), events, bufBytes, requests, cache.ll.Len(), cache.hits, cache.misses}
	s1 := sessions["sess-000000000001"]
	sess1Addr = uintptr(unsafe.Pointer(s1))
	sess1Word0 = *(*uintptr)(unsafe.Pointer(s1))
	cacheAddr = uintptr(unsafe.Pointer(cache))
	cacheWord0 = *(*uintptr)(unsafe.Pointer(cache))
}

func bigEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}

func hexAddr(a uintptr) string { return fmt.Sprintf("0x%x", a) }

func writeFacts(path string, sn snapshot, withOracle bool) error {
	var fx facts
	fx.Program = "leaky"
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
	fx.FinalizersSet = 0
	fx.Built = map[string]int{
		"requests":           sn.requests,
		"main.Session":       sn.sessions,
		"map_entries":        sn.sessions,
		"main.Event":         sn.events,
		"session_buf_bytes":  sn.bufBytes,
		"cache_entries":      sn.cacheEntries,
		"cache_cap":          cacheCap,
		"cache_value_len":    cacheValueLen,
		"cache_hits":         sn.hits,
		"cache_misses":       sn.misses,
		"main.Job":           numJobs,
		"first_seq":          firstSeq,
		"first_job_id":       9000,
		"user_goroutines":    2, // main and the worker
		"worker_batch_slots": numJobs,
	}
	fx.Known = []known{
		{"sessions[sess-000000000001]", hexAddr(sess1Addr), "main.Session", uint64(unsafe.Sizeof(Session{})), uint64(sess1Word0)},
		{"batch[0]", hexAddr(job0Addr), "main.Job", uint64(unsafe.Sizeof(Job{})), uint64(job0Word0)},
		{"cache", hexAddr(cacheAddr), "main.LRU", uint64(unsafe.Sizeof(LRU{})), uint64(cacheWord0)},
	}
	if withOracle {
		roots := []oracleEntry{
			{Root: "main.sessions"},
			{Root: "main.cache"},
			{RootFrameFunc: "main.worker", RootVar: "batch"},
		}
		for i := range roots {
			roots[i].HeapAllocBefore = oracleHeap[i]
			roots[i].HeapAllocAfter = oracleHeap[i+1]
			roots[i].HeapAllocDrop = int64(oracleHeap[i]) - int64(oracleHeap[i+1])
			roots[i].RuntimeMallocs = oracleMallocs[i+1] - oracleMallocs[i]
			roots[i].FreedBytes = oracleFreed[i+1] - oracleFreed[i]
		}
		fx.Oracle = roots
	}
	out, err := json.MarshalIndent(&fx, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

// ---- dumps and the oracle ---------------------------------------------------------------------

// dump writes a heap dump to f right after two collections, with
// runtime.MemStats and the goroutine count read just before (nothing is
// allocated in between).
//
//go:noinline
func dump(f *os.File) {
	fd := f.Fd()
	runtime.GC()
	runtime.GC()
	NumG = runtime.NumGoroutine()
	runtime.ReadMemStats(&MS)
	debug.WriteHeapDump(fd)
}

//go:noinline
func gcHeapAlloc(i int) {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&oms)
	oracleHeap[i] = oms.HeapAlloc
	oracleMallocs[i] = oms.Mallocs
	oracleFreed[i] = oms.TotalAlloc - oms.HeapAlloc
}

// oracle releases the three structures one at a time and records HeapAlloc
// after each. It allocates nothing: the channels exist already.
//
//go:noinline
func oracle() {
	gcHeapAlloc(0)
	sessions = nil
	gcHeapAlloc(1)
	cache = nil
	gcHeapAlloc(2)
	dropReq <- struct{}{}
	<-dropAck
	gcHeapAlloc(3)
}

// warmUp makes the runtime allocate now, before the dumps, what it would
// otherwise allocate lazily during the oracle and count in its HeapAlloc:
// sudogs in each P's cache (for channel and semaphore waits, the GC's
// included) and each P's timer heap (the background scavenger sleeps on a
// timer).
//
//go:noinline
func warmUp() {
	n := 16 * runtime.GOMAXPROCS(0)
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		go func() {
			<-start
			time.Sleep(20 * time.Millisecond)
			done <- struct{}{}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(start)
	for i := 0; i < n; i++ {
		<-done
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "leaky:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: leaky EARLY.dump EARLY.facts.json OUT.dump OUT.facts.json")
		os.Exit(2)
	}
	// Reference runtime.MemProfile so that the linker keeps memory
	// profiling on (at the default MemProfileRate): memprof and
	// allocsample records in the dumps.
	runtime.MemProfile(nil, true)
	// One P: the runtime then needs no new thread (M) during the oracle,
	// whose allocation would lower a measured drop by a few KiB.
	runtime.GOMAXPROCS(1)
	loadConfig()
	cache = newLRU(cacheCap)
	go workerMain()
	<-ready

	serve(earlyRequests)
	warmUp() // also leaves the worker time to block on dropReq
	f1, err := os.Create(os.Args[1])
	if err != nil {
		fail(err)
	}
	takeSnapshot(0)
	dump(f1)
	if err := f1.Close(); err != nil {
		fail(err)
	}
	if err := writeFacts(os.Args[2], snap[0], false); err != nil {
		fail(err)
	}

	serve(totalRequests)
	f2, err := os.Create(os.Args[3])
	if err != nil {
		fail(err)
	}
	takeSnapshot(1)
	dump(f2)
	oracle()
	if err := f2.Close(); err != nil {
		fail(err)
	}
	if err := writeFacts(os.Args[4], snap[1], true); err != nil {
		fail(err)
	}
}
