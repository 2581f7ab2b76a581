/*
 * binary.h - the ELF executable that wrote a dump.
 *
 * goheap_binary_open() reads the ELF headers and section table (through
 * libelf) and tells whether DWARF and a symbol table are present.
 * goheap_binary_match() checks that the binary can have written a dump:
 * same pointer size, byte order and architecture, and .data/.bss sections
 * of exactly the size of the dump's data and bss records, at one common
 * load bias (non-zero for position-independent executables).
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

/**
 * Check that bin wrote dump. On success *bias is the load bias (dump
 * address minus link-time address).
 * @return GOHEAP_OK or GOHEAP_EMISMATCH with the reason in diag.
 */
GOHEAP_EXTERN int goheap_binary_match(const goheap_binary *bin, const goheap_dump *dump,
				      int64_t *bias, goheap_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
