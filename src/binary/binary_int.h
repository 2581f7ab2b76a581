/*
 * binary_int.h - the private layout of goheap_binary, shared by elf.c (ELF
 * headers, sections, symbols; libelf) and dwarf.c (types, globals,
 * functions and variable locations; libdwarf).
 *
 * Invariants once goheap_binary_load_dwarf() has returned:
 *   - every table below is either complete or empty (a failed load frees
 *     what it built, the symbol tables excepted);
 *   - every string a table holds lives in strings (dwarf.c) or in libelf's
 *     copy of .strtab, and so until goheap_binary_free();
 *   - types/fields/globals/funcs/vars are never resized after the load, so
 *     pointers handed out stay valid;
 *   - lines holds the rows of the .debug_line units that decoded cleanly
 *     (a damaged unit is left out, not the whole table).
 */
#ifndef GOHEAP_BINARY_INT_H
#define GOHEAP_BINARY_INT_H

#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "goheap/binary.h"
#include "util/vec.h"

/* An initialised, allocated section (SHT_PROGBITS + SHF_ALLOC). */
typedef struct bin_section {
	uint64_t addr, size, offset;
} bin_section;

/* An ELF symbol. name points into libelf's .strtab data. */
typedef struct bin_sym {
	const char *name;
	uint64_t value, size;
} bin_sym;

/*
 * Pre-decoded variable locations. A variable's loc_handle indexes locsets;
 * a locset is a run of ranges [lo, hi), each with a run of pieces. A piece
 * of size 0 covers the whole variable.
 */
typedef struct bin_locset {
	uint32_t first_range, nranges;
} bin_locset;

typedef struct bin_locrange {
	uint64_t lo, hi;
	uint32_t first_piece, npieces;
} bin_locrange;

typedef struct bin_locpiece {
	int64_t offset;       /* CFA offset, address, or register number */
	uint32_t size;        /* DW_OP_piece size, 0 = the whole variable */
	uint8_t kind;         /* goheap_lockind */
} bin_locpiece;

/* Name and rtype indexes (sorted; built by dwarf.c). */
typedef struct bin_name_ix {
	const char *name;
	uint32_t type;
	uint32_t pref;
} bin_name_ix;

typedef struct bin_rtype_ix {
	uint64_t rtype;
	uint32_t type;
	uint32_t pref;
} bin_rtype_ix;

/*
 * A row of the pc -> source line table (dwarf.c, from .debug_line): the
 * row holds from addr up to the next row's addr. file indexes line_files;
 * BIN_LINE_END marks the end of a sequence (no line from addr on).
 */
#define BIN_LINE_END UINT32_MAX

typedef struct bin_line {
	uint64_t addr;
	uint32_t file;
	uint32_t line;
} bin_line;

struct strpool;

struct goheap_binary {
	int fd;
	Elf *elf;
	goheap_binary_info info;

	/* elf.c: sections (at open) and symbols (at goheap_binary_load_dwarf) */
	bin_section *sections;
	size_t nsections;
	bool syms_loaded;
	bin_sym *syms_by_name;     /* defined symbols, sorted by name */
	size_t nsyms;
	bin_sym *funcs_by_addr;    /* STT_FUNC symbols, sorted by value */
	size_t nfuncsyms;

	/* dwarf.c */
	bool dwarf_loaded;
	int dwarf_status;          /* what the first goheap_binary_load_dwarf() returned */
	VEC(goheap_btype) types;
	VEC(goheap_field) fields;
	VEC(goheap_global) globals;
	VEC(goheap_func) funcs;
	VEC(goheap_var) vars;
	VEC(bin_locset) locsets;
	VEC(bin_locrange) ranges;
	VEC(bin_locpiece) pieces;
	bin_name_ix *by_name;      /* one entry per distinct name, the preferred type */
	size_t nby_name;
	bin_rtype_ix *by_rtype;    /* one entry per distinct rtype */
	size_t nby_rtype;
	VEC(bin_line) lines;       /* sorted by addr, one row per addr */
	VEC(const char *) line_files; /* pooled "dir/name" strings */
	struct strpool *strings;
};

/* elf.c: read .symtab (or .dynsym) once; later calls return at once. */
int bin_load_symbols(goheap_binary *b, goheap_diag *d);

/*
 * elf.c: a malloc'ed copy of a section's contents, decompressed (zlib
 * SHF_COMPRESSED, or a .zdebug_* twin of a .debug_* name). *out is NULL
 * and *len 0 when there is no such section.
 * @return GOHEAP_OK, GOHEAP_ECORRUPT (bad compression) or GOHEAP_ENOMEM.
 */
int bin_section_copy(const goheap_binary *b, const char *name, uint8_t **out, size_t *len,
		     goheap_diag *d);

/* dwarf.c: free everything goheap_binary_load_dwarf() built. */
void bin_dwarf_free(goheap_binary *b);

#endif
