module goheap.example/shapes

go 1.19
