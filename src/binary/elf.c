/*
 * elf.c - the ELF side of goheap_binary: headers, sections and the symbol
 * table through libelf. This file (with the DWARF reader in dwarf.c) is
 * the only code that talks to libelf.
 *
 * Sections that hold initialised, loaded bytes are listed at open time so
 * goheap_binary_read() can pread() them; the symbol table (.symtab, else
 * .dynsym) is read at open too, so symbol lookups work without DWARF.
 * bin_section_copy() hands dwarf.c the decompressed bytes of a debug
 * section that it decodes itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "binary/binary_int.h"
#include "goheap/binary.h"
#include "util/diag.h"
#include "util/vec.h"

static const char *goarch_of(unsigned machine, unsigned ptr_size, bool big_endian)
{
	switch (machine) {
	case EM_X86_64: return "amd64";
	case EM_386: return "386";
	case EM_AARCH64: return "arm64";
	case EM_ARM: return "arm";
	case EM_S390: return "s390x";
	case EM_PPC64: return big_endian ? "ppc64" : "ppc64le";
	case EM_MIPS:
		if (ptr_size == 8)
			return big_endian ? "mips64" : "mips64le";
		return big_endian ? "mips" : "mipsle";
	case EM_RISCV: return "riscv64";
	case 258 /* EM_LOONGARCH */: return "loong64";
	default: return "unknown";
	}
}

static int elf_fail(goheap_diag *d, int code, const char *path, const char *what)
{
	return diag_set(d, code, GOHEAP_NO_OFFSET, NULL, NULL, "%s: %s: %s", path, what, elf_errmsg(-1));
}

int goheap_binary_open(goheap_binary **out, const char *path, goheap_diag *d)
{
	*out = NULL;
	diag_clear(d);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(d, GOHEAP_EIO, path, "libelf is unusable");
	goheap_binary *b = calloc(1, sizeof *b);
	if (!b)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0) {
		int e = errno;
		free(b);
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot open '%s': %s",
				path, strerror(e));
	}
	int rc = GOHEAP_OK;
	b->elf = elf_begin(b->fd, ELF_C_READ, NULL);
	if (!b->elf) {
		rc = elf_fail(d, GOHEAP_EIO, path, "cannot read");
		goto fail;
	}
	GElf_Ehdr eh;
	if (elf_kind(b->elf) != ELF_K_ELF || !gelf_getehdr(b->elf, &eh)) {
		rc = diag_set(d, GOHEAP_ENOTELF, GOHEAP_NO_OFFSET, NULL, NULL,
			      "'%s' is not an ELF executable", path);
		goto fail;
	}
	goheap_binary_info *in = &b->info;
	in->ptr_size = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
	in->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	in->machine = eh.e_machine;
	in->goarch = goarch_of(in->machine, in->ptr_size, in->big_endian);
	in->pie = eh.e_type == ET_DYN;
	size_t shstrndx, sec_alloc = 0;
	if (elf_getshdrstrndx(b->elf, &shstrndx) != 0) {
		rc = elf_fail(d, GOHEAP_ENOTELF, path, "no section name table");
		goto fail;
	}
	for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn; scn = elf_nextscn(b->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		/* initialised, loaded bytes: what goheap_binary_read() may return */
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_ALLOC) && sh.sh_size > 0 &&
		    !(sh.sh_flags & SHF_COMPRESSED)) {
			if (vec_reserve((void **)&b->sections, &sec_alloc, b->nsections + 1,
					sizeof *b->sections)) {
				rc = diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
				goto fail;
			}
			b->sections[b->nsections++] = (bin_section){ sh.sh_addr, sh.sh_size, sh.sh_offset };
		}
		const char *name = elf_strptr(b->elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
			in->has_dwarf = true;
		else if (strcmp(name, ".symtab") == 0)
			in->has_symtab = true;
		else if (strcmp(name, ".data") == 0) {
			in->has_data = true;
			in->data_addr = sh.sh_addr;
			in->data_size = sh.sh_size;
		} else if (strcmp(name, ".bss") == 0) {
			in->has_bss = true;
			in->bss_addr = sh.sh_addr;
			in->bss_size = sh.sh_size;
		}
	}
	/* symbols: goheap_binary_symbol() works from here on, with or without DWARF */
	if ((rc = bin_load_symbols(b, d)))
		goto fail;
	*out = b;
	return GOHEAP_OK;
fail:
	goheap_binary_free(b);
	return rc;
}

void goheap_binary_free(goheap_binary *b)
{
	if (!b)
		return;
	bin_dwarf_free(b);
	free(b->sections);
	free(b->syms_by_name);
	free(b->funcs_by_addr);
	if (b->elf)
		elf_end(b->elf);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

const goheap_binary_info *goheap_binary_get_info(const goheap_binary *b)
{
	return &b->info;
}

#define MISMATCH(...) diag_set(d, GOHEAP_EMISMATCH, GOHEAP_NO_OFFSET, NULL, NULL, __VA_ARGS__)

int goheap_binary_match(const goheap_binary *b, const goheap_dump *dump, int64_t *bias,
			goheap_diag *d)
{
	const goheap_binary_info *in = &b->info;
	const goheap_params *pr = goheap_dump_params(dump);
	diag_clear(d);
	if (in->ptr_size != pr->ptr_size)
		return MISMATCH("the binary has %u-byte pointers, the dump %u-byte pointers",
				in->ptr_size, pr->ptr_size);
	if (in->big_endian != pr->big_endian)
		return MISMATCH("the binary is %s-endian, the dump %s-endian",
				in->big_endian ? "big" : "little", pr->big_endian ? "big" : "little");
	if (strlen(in->goarch) != pr->goarch.len || memcmp(in->goarch, pr->goarch.ptr, pr->goarch.len) != 0)
		return MISMATCH("the binary is for %s, the dump was written on %.*s", in->goarch,
				(int)pr->goarch.len, pr->goarch.ptr);
	size_t nseg;
	const goheap_segment *seg = goheap_dump_segments(dump, &nseg);
	bool have_bias = false;
	int64_t b0 = 0;
	for (size_t i = 0; i < nseg; i++) {
		const char *name = seg[i].is_bss ? ".bss" : ".data";
		bool has = seg[i].is_bss ? in->has_bss : in->has_data;
		uint64_t addr = seg[i].is_bss ? in->bss_addr : in->data_addr;
		uint64_t size = seg[i].is_bss ? in->bss_size : in->data_size;
		if (!has)
			return MISMATCH("the binary has no %s section", name);
		if (size != seg[i].len)
			return MISMATCH("the binary's %s section is %llu bytes, the dump's is %llu bytes",
					name, (unsigned long long)size, (unsigned long long)seg[i].len);
		int64_t sb = (int64_t)(seg[i].addr - addr);
		if (!in->pie && sb != 0)
			return MISMATCH("the binary's %s section is at 0x%llx, the dump's at 0x%llx", name,
					(unsigned long long)addr, (unsigned long long)seg[i].addr);
		/* A PIE is loaded at a page-aligned base above its link address 0. */
		if (in->pie && (sb < 0 || sb % 4096 != 0))
			return MISMATCH("the dump's %s record at 0x%llx is not the binary's %s section at 0x%llx "
					"plus a page-aligned load base", seg[i].is_bss ? "bss" : "data",
					(unsigned long long)seg[i].addr, name, (unsigned long long)addr);
		if (have_bias && sb != b0)
			return MISMATCH("the dump's data and bss records are not at one load bias of the binary");
		b0 = sb;
		have_bias = true;
	}
	if (bias)
		*bias = b0;
	return GOHEAP_OK;
}

/* Does the dump's function name fn name the ELF symbol sym? */
static bool same_func(const goheap_str *fn, const char *sym)
{
	size_t sl = strlen(sym);
	if (sl == fn->len)
		return memcmp(sym, fn->ptr, sl) == 0;
	/* assembly functions' symbols carry their ABI: "runtime.rt0_go.abi0" */
	return sl == fn->len + 5 && memcmp(sym, fn->ptr, fn->len) == 0 &&
	       memcmp(sym + fn->len, ".abi0", 5) == 0;
}

int goheap_binary_check_frames(const goheap_binary *b, const goheap_dump *dump, int64_t bias,
			       goheap_diag *d)
{
	diag_clear(d);
	if (b->nfuncsyms == 0)
		return GOHEAP_OK; /* no symbol table: nothing to compare with */
	size_t nf, ng;
	const goheap_frame *fs = goheap_dump_frames(dump, &nf);
	const goheap_goroutine *gs = goheap_dump_goroutines(dump, &ng);
	static const char unknown[] = "unknown function";
	for (size_t i = 0; i < nf; i++) {
		const goheap_frame *f = &fs[i];
		if (f->func.len == sizeof unknown - 1 && memcmp(f->func.ptr, unknown, f->func.len) == 0)
			continue;
		uint64_t pc = f->pc - (uint64_t)bias;
		if (f->depth > 0)
			pc--; /* a return address: look up the call instruction */
		const char *sym = goheap_binary_func_symbol(b, pc);
		if (sym && same_func(&f->func, sym))
			continue;
		int fl = f->func.len > 200 ? 200 : (int)f->func.len;
		unsigned long long goid = f->goroutine < ng ? (unsigned long long)gs[f->goroutine].goid : 0;
		if (!sym)
			return MISMATCH("frame %llu of goroutine %llu is %.*s in the dump, at pc 0x%llx, "
					"but no function of the binary is there",
					(unsigned long long)f->depth, goid, fl, f->func.ptr,
					(unsigned long long)f->pc);
		return MISMATCH("frame %llu of goroutine %llu is %.*s in the dump but %s in the binary "
				"(pc 0x%llx)", (unsigned long long)f->depth, goid, fl, f->func.ptr, sym,
				(unsigned long long)f->pc);
	}
	return GOHEAP_OK;
}

/* ---- symbols -------------------------------------------------------------- */

static int sym_name_cmp(const void *a, const void *b)
{
	const bin_sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int sym_addr_cmp(const void *a, const void *b)
{
	const bin_sym *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* the larger symbol first, so an alias of size 0 does not hide it */
	return x->size > y->size ? -1 : x->size < y->size;
}

/* The SHT_SYMTAB section, else SHT_DYNSYM, else NULL. */
static Elf_Scn *symbol_section(Elf *elf, GElf_Shdr *out)
{
	Elf_Scn *dyn = NULL;
	GElf_Shdr dynsh;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			*out = sh;
			return scn;
		}
		if (sh.sh_type == SHT_DYNSYM && !dyn) {
			dyn = scn;
			dynsh = sh;
		}
	}
	if (dyn)
		*out = dynsh;
	return dyn;
}

int bin_load_symbols(goheap_binary *b, goheap_diag *d)
{
	if (b->syms_loaded)
		return GOHEAP_OK;
	b->syms_loaded = true;
	GElf_Shdr sh;
	Elf_Scn *scn = symbol_section(b->elf, &sh);
	if (!scn || sh.sh_entsize == 0)
		return GOHEAP_OK; /* no symbols: every lookup says ENOTFOUND */
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data)
		return GOHEAP_OK;
	size_t n = data->d_size / sh.sh_entsize;
	bin_sym *byname = NULL, *funcs = NULL;
	size_t nn = 0, nf = 0;
	if (n) {
		byname = malloc(n * sizeof *byname);
		funcs = malloc(n * sizeof *funcs);
		if (!byname || !funcs) {
			free(byname);
			free(funcs);
			return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
		}
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0)
			continue;
		unsigned type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_SECTION || type == STT_FILE)
			continue;
		const char *name = elf_strptr(b->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		bin_sym s = { name, sym.st_value, sym.st_size };
		byname[nn++] = s;
		if (type == STT_FUNC)
			funcs[nf++] = s;
	}
	if (nn)
		qsort(byname, nn, sizeof *byname, sym_name_cmp);
	if (nf)
		qsort(funcs, nf, sizeof *funcs, sym_addr_cmp);
	b->syms_by_name = byname;
	b->nsyms = nn;
	b->funcs_by_addr = funcs;
	b->nfuncsyms = nf;
	return GOHEAP_OK;
}

int goheap_binary_symbol(const goheap_binary *b, const char *name, uint64_t *value)
{
	size_t lo = 0, hi = b->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(b->syms_by_name[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->nsyms || strcmp(b->syms_by_name[lo].name, name) != 0)
		return GOHEAP_ENOTFOUND;
	if (value)
		*value = b->syms_by_name[lo].value;
	return GOHEAP_OK;
}

const char *goheap_binary_func_symbol(const goheap_binary *b, uint64_t pc)
{
	/* the last symbol starting at or below pc */
	size_t lo = 0, hi = b->nfuncsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->funcs_by_addr[mid].value <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* of the symbols at that address, the largest (sorted first) */
	size_t i = lo - 1;
	while (i > 0 && b->funcs_by_addr[i - 1].value == b->funcs_by_addr[i].value)
		i--;
	const bin_sym *s = &b->funcs_by_addr[i];
	if (pc - s->value < s->size || (s->size == 0 && pc == s->value))
		return s->name;
	return NULL;
}

/* ---- file contents ----------------------------------------------------------- */

int goheap_binary_read(const goheap_binary *b, uint64_t addr, void *out, size_t size)
{
	for (size_t i = 0; i < b->nsections; i++) {
		const bin_section *s = &b->sections[i];
		if (addr < s->addr || addr - s->addr > s->size || size > s->size - (addr - s->addr))
			continue;
		uint64_t off = s->offset + (addr - s->addr);
		size_t done = 0;
		while (done < size) {
			ssize_t r = pread(b->fd, (char *)out + done, size - done, (off_t)(off + done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return GOHEAP_EIO;
			done += (size_t)r;
		}
		return GOHEAP_OK;
	}
	return GOHEAP_ENOTFOUND;
}

/* ---- debug section bytes --------------------------------------------------- */

/* Decompressed sections are capped: 1 GiB, and zlib's best ratio (1032:1). */
#define SECTION_MAX ((uint64_t)1 << 30)

static uint64_t get_uint(const uint8_t *p, unsigned n, bool big_endian)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

static int inflate_exact(const uint8_t *src, size_t srclen, uint64_t size, uint8_t **out,
			 const char *name, goheap_diag *d)
{
	if (size == 0 || size > SECTION_MAX || size / 1032 > srclen)
		return diag_set(d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL,
				"bad DWARF: section %s claims %llu bytes uncompressed", name,
				(unsigned long long)size);
	uint8_t *buf = malloc((size_t)size);
	if (!buf)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	uLongf got = (uLongf)size;
	uLong used = (uLong)srclen;
	int zr = uncompress2(buf, &got, src, &used);
	if (zr != Z_OK || got != size) {
		free(buf);
		return diag_set(d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL,
				"bad DWARF: section %s does not decompress (zlib %d)", name, zr);
	}
	*out = buf;
	return GOHEAP_OK;
}

int bin_section_copy(const goheap_binary *b, const char *name, uint8_t **out, size_t *len,
		     goheap_diag *d)
{
	*out = NULL;
	*len = 0;
	size_t shstrndx;
	if (elf_getshdrstrndx(b->elf, &shstrndx) != 0)
		return GOHEAP_OK;
	char zname[64];
	bool zdebug = strncmp(name, ".debug_", 7) == 0 && strlen(name) + 2 < sizeof zname;
	if (zdebug)
		snprintf(zname, sizeof zname, ".zdebug_%s", name + 7);
	for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn; scn = elf_nextscn(b->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *sn = elf_strptr(b->elf, shstrndx, sh.sh_name);
		if (!sn)
			continue;
		bool plain = strcmp(sn, name) == 0, gnu = zdebug && strcmp(sn, zname) == 0;
		if (!plain && !gnu)
			continue;
		Elf_Data *data = elf_rawdata(scn, NULL);
		if (!data || !data->d_buf || data->d_size == 0)
			return GOHEAP_OK;
		const uint8_t *raw = data->d_buf;
		size_t n = data->d_size;
		bool be = b->info.big_endian;
		if (plain && (sh.sh_flags & SHF_COMPRESSED)) {
			/* Elf32_Chdr {type, size, align} or Elf64_Chdr {type, reserved, size, align} */
			size_t hdr = b->info.ptr_size == 8 ? 24 : 12;
			if (n < hdr || get_uint(raw, 4, be) != ELFCOMPRESS_ZLIB)
				return diag_set(d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL,
						"bad DWARF: section %s is not zlib-compressed", name);
			uint64_t size = b->info.ptr_size == 8 ? get_uint(raw + 8, 8, be) : get_uint(raw + 4, 4, be);
			int rc = inflate_exact(raw + hdr, n - hdr, size, out, name, d);
			if (rc == GOHEAP_OK)
				*len = (size_t)size;
			return rc;
		}
		if (gnu && n >= 12 && memcmp(raw, "ZLIB", 4) == 0) {
			uint64_t size = get_uint(raw + 4, 8, true);
			int rc = inflate_exact(raw + 12, n - 12, size, out, name, d);
			if (rc == GOHEAP_OK)
				*len = (size_t)size;
			return rc;
		}
		uint8_t *copy = malloc(n);
		if (!copy)
			return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
		memcpy(copy, raw, n);
		*out = copy;
		*len = n;
		return GOHEAP_OK;
	}
	return GOHEAP_OK;
}
