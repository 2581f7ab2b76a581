module goheap.example/leaky

go 1.19
