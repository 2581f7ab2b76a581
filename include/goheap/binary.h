/*
 * binary.h - the ELF executable that wrote a dump.
 *
 * goheap_binary_open() reads the ELF headers and section table (through
 * libelf) and tells whether DWARF and a symbol table are present.
 * goheap_binary_match() checks that the binary can have written a dump:
 * same pointer size, byte order and architecture, and .data/.bss sections
 * of exactly the size of the dump's data and bss records, at one common
 * load bias (non-zero for position-independent executables).
 * goheap_binary_check_frames() then checks that its code is the code that
 * ran: every stack frame's pc lies in the function the dump names.
 *
 * Ownership: the returned info borrows from the binary and lives until
 * goheap_binary_free().
 */
#ifndef GOHEAP_BINARY_H
#define GOHEAP_BINARY_H

#include <stdbool.h>
#include <stdint.h>

#include "goheap.h"
#include "dump.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_binary goheap_binary;

typedef struct goheap_binary_info {
	unsigned ptr_size;       /**< 4 (ELFCLASS32) or 8 (ELFCLASS64) */
	bool big_endian;
	unsigned machine;        /**< ELF e_machine */
	const char *goarch;      /**< GOARCH for machine and byte order, or "unknown" */
	bool pie;                /**< ET_DYN: addresses are relative to a load bias */
	bool has_dwarf;          /**< a .debug_info or .zdebug_info section */
	bool has_symtab;         /**< a .symtab section */
	bool has_data, has_bss;
	uint64_t data_addr, data_size;
	uint64_t bss_addr, bss_size;
} goheap_binary_info;

/**
 * Open an ELF executable.
 * @return GOHEAP_OK, GOHEAP_EIO (cannot open or read), GOHEAP_ENOTELF (not
 *         an ELF file) or GOHEAP_ENOMEM.
 * @note Free with goheap_binary_free().
 */
GOHEAP_EXTERN int goheap_binary_open(goheap_binary **out, const char *path, goheap_diag *diag);

GOHEAP_EXTERN void goheap_binary_free(goheap_binary *bin);

GOHEAP_EXTERN const goheap_binary_info *goheap_binary_get_info(const goheap_binary *bin);

/* ---- DWARF: types, globals, functions ----------------------------------
 *
 * Filled by goheap_binary_load_dwarf() (src/binary/dwarf.c, the only code
 * that calls libdwarf). Addresses here are link-time addresses: add the
 * load bias from goheap_binary_match() to compare them with dump addresses.
 * All strings and arrays are owned by the binary.
 */

/** No type / no entry. */
#define GOHEAP_NO_TYPE UINT32_MAX

/** What a type is, as far as reading memory through it goes. */
typedef enum goheap_tkind {
	GOHEAP_T_OTHER = 0,   /**< anything else (unsized, subroutine types, ...) */
	GOHEAP_T_BOOL,
	GOHEAP_T_INT,         /**< signed integers (size 1, 2, 4, 8) */
	GOHEAP_T_UINT,        /**< unsigned integers, uintptr */
	GOHEAP_T_FLOAT,
	GOHEAP_T_COMPLEX,
	GOHEAP_T_PTR,         /**< *T (elem = T); also unsafe.Pointer (elem = NO_TYPE) */
	GOHEAP_T_FUNC,        /**< func value: a pointer to a closure (funcval) */
	GOHEAP_T_STRING,      /**< struct { str *uint8; len int } */
	GOHEAP_T_SLICE,       /**< struct { array *T; len, cap int }, elem = T */
	GOHEAP_T_ARRAY,       /**< [count]T, elem = T */
	GOHEAP_T_STRUCT,      /**< fields */
	GOHEAP_T_EFACE,       /**< interface{} / any: { _type *_type; data unsafe.Pointer } */
	GOHEAP_T_IFACE,       /**< non-empty interface: { tab *itab; data unsafe.Pointer } */
	GOHEAP_T_MAP,         /**< map[K]V: a pointer to the runtime map header; key, elem */
	GOHEAP_T_CHAN         /**< chan T: a pointer to hchan; elem = T */
} goheap_tkind;

/** A member of a struct type. */
typedef struct goheap_field {
	const char *name;
	uint64_t offset;
	uint32_t type;
	bool embedded;        /**< DW_AT_go_embedded_field */
} goheap_field;

/** A type from DWARF. Typedefs are resolved: a named type carries its name
 *  and the layout of what it names. */
typedef struct goheap_btype {
	const char *name;     /**< Go spelling: "main.Node", "*main.Node", "[]int", "map[string]*main.Item" */
	uint64_t size;        /**< byte size (pointer size for ptr/map/chan/func) */
	goheap_tkind kind;
	uint8_t go_kind;      /**< DW_AT_go_kind (reflect.Kind), 0 if absent */
	uint32_t elem;        /**< ptr/slice/array/chan/map element type, or GOHEAP_NO_TYPE */
	uint32_t key;         /**< map key type, or GOHEAP_NO_TYPE */
	uint64_t count;       /**< array length */
	uint32_t first_field; /**< index into goheap_binary_fields() */
	uint32_t nfields;
	uint64_t rtype;       /**< link-time address of the runtime type descriptor, 0 if none */
} goheap_btype;

/** A package-level variable. */
typedef struct goheap_global {
	const char *name;     /**< "main.ListHead" */
	uint64_t addr;        /**< link-time address */
	uint32_t type;
} goheap_global;

/** Where a variable lives at one pc. */
typedef enum goheap_lockind {
	GOHEAP_LOC_NONE = 0,  /**< not available at this pc (or not expressible) */
	GOHEAP_LOC_CFA,       /**< at CFA + offset (DW_OP_fbreg / DW_OP_call_frame_cfa + n) */
	GOHEAP_LOC_ADDR,      /**< at a fixed address (DW_OP_addr) */
	GOHEAP_LOC_REG        /**< in a register: not in the dump */
} goheap_lockind;

typedef struct goheap_loc {
	goheap_lockind kind;
	int64_t offset;       /**< CFA offset, or the address for GOHEAP_LOC_ADDR */
	uint64_t size;        /**< bytes covered (the variable's size, or a DW_OP_piece size) */
	uint64_t piece_offset;/**< offset of this piece within the variable */
} goheap_loc;

/** A parameter or local of a function. */
typedef struct goheap_var {
	const char *name;
	uint32_t type;
	bool is_param;
	uint64_t loc_handle;  /**< opaque; pass to goheap_binary_var_locate() */
} goheap_var;

/** A function (DW_TAG_subprogram with code). */
typedef struct goheap_func {
	const char *name;     /**< "main.worker", "main.main.func1" */
	uint64_t lowpc, highpc;
	uint32_t first_var, nvars;  /**< into goheap_binary_vars() */
} goheap_func;

/**
 * Read DWARF (v4 or v5, compressed or not): types, globals, functions,
 * location lists and line tables. (The ELF symbol table is read by
 * goheap_binary_open(), so symbols work without DWARF.)
 * @return GOHEAP_OK; GOHEAP_ENOTFOUND when the binary has no Go DWARF
 *         (types and functions are then empty); GOHEAP_ECORRUPT for
 *         DWARF that cannot be read; or GOHEAP_ENOMEM.
 */
GOHEAP_EXTERN int goheap_binary_load_dwarf(goheap_binary *bin, goheap_diag *diag);

GOHEAP_EXTERN const goheap_btype *goheap_binary_types(const goheap_binary *bin, size_t *count);
GOHEAP_EXTERN const goheap_field *goheap_binary_fields(const goheap_binary *bin, size_t *count);
/** Globals sorted by address. */
GOHEAP_EXTERN const goheap_global *goheap_binary_globals(const goheap_binary *bin, size_t *count);
/** Functions sorted by lowpc. */
GOHEAP_EXTERN const goheap_func *goheap_binary_funcs(const goheap_binary *bin, size_t *count);
GOHEAP_EXTERN const goheap_var *goheap_binary_vars(const goheap_binary *bin, size_t *count);

/** The type whose runtime descriptor is at link-time address rtype, or GOHEAP_NO_TYPE. */
GOHEAP_EXTERN uint32_t goheap_binary_type_by_rtype(const goheap_binary *bin, uint64_t rtype);
/** The type with exactly this Go name, or GOHEAP_NO_TYPE. */
GOHEAP_EXTERN uint32_t goheap_binary_type_by_name(const goheap_binary *bin, const char *name);
/** The function containing link-time pc, or NULL. */
GOHEAP_EXTERN const goheap_func *goheap_binary_func_at(const goheap_binary *bin, uint64_t pc);
/**
 * Evaluate a variable's location at link-time pc. Up to max pieces are
 * written to out; returns the number of pieces (0 = not available here).
 */
GOHEAP_EXTERN size_t goheap_binary_var_locate(const goheap_binary *bin, const goheap_var *var,
					      uint64_t pc, goheap_loc *out, size_t max);

/**
 * The source line of link-time pc, from the DWARF line tables (read by
 * goheap_binary_load_dwarf()). *file is owned by the binary: the path as
 * the compiler recorded it ("goheap.example/shapes/main.go" with -trimpath).
 * For a return address (the pc of any frame but the innermost), pass pc - 1
 * to get the line of the call.
 * @return GOHEAP_OK, or GOHEAP_ENOTFOUND when no line covers pc (or DWARF
 *         was not loaded).
 */
GOHEAP_EXTERN int goheap_binary_pc_line(const goheap_binary *bin, uint64_t pc, const char **file,
					uint64_t *line);

/** Value of an ELF symbol (e.g. "runtime.types"), or GOHEAP_ENOTFOUND. */
GOHEAP_EXTERN int goheap_binary_symbol(const goheap_binary *bin, const char *name, uint64_t *value);
/** The function symbol (STT_FUNC) containing link-time pc: its name, or NULL. */
GOHEAP_EXTERN const char *goheap_binary_func_symbol(const goheap_binary *bin, uint64_t pc);
/**
 * Read size bytes at link-time address addr from the file (initialised
 * sections only: .rodata, .data, .noptrdata, .typelink ...).
 * @return GOHEAP_OK, GOHEAP_ENOTFOUND when the range is not in a loaded,
 *         initialised section, or GOHEAP_EIO when reading the file fails.
 */
GOHEAP_EXTERN int goheap_binary_read(const goheap_binary *bin, uint64_t addr, void *out, size_t size);

/**
 * Check that bin wrote dump. On success *bias is the load bias (dump
 * address minus link-time address).
 * @return GOHEAP_OK or GOHEAP_EMISMATCH with the reason in diag.
 */
GOHEAP_EXTERN int goheap_binary_match(const goheap_binary *bin, const goheap_dump *dump,
				      int64_t *bias, goheap_diag *diag);

/**
 * Check that the code of bin is the code that ran: for every stack frame of
 * dump, the ELF function symbol containing the frame's pc minus bias (pc - 1
 * for all but a goroutine's innermost frame, whose pc is a return address)
 * must be the function the dump names ("unknown function" frames are
 * skipped; an assembly symbol's ".abi0" suffix is allowed). Without a
 * symbol table there is nothing to check.
 * @return GOHEAP_OK or GOHEAP_EMISMATCH naming the first frame that differs.
 */
GOHEAP_EXTERN int goheap_binary_check_frames(const goheap_binary *bin, const goheap_dump *dump,
					     int64_t bias, goheap_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
